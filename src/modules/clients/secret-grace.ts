/** How long a rotated-out client secret may stay valid, in days (kept apart from the service so `tansu --help` can say it cheaply). */
export const SECRET_GRACE_DAYS = Object.freeze({ default: 0, max: 7 });
