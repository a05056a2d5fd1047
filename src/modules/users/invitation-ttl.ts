/** How long an invitation lasts, in days (kept apart from the service so `tansu --help` can say it cheaply). */
export const INVITATION_TTL_DAYS = Object.freeze({ default: 7, max: 30 });
