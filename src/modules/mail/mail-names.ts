import { AppError } from '../../errors.ts';
import type { MailState } from '../../db/schema.ts';

/**
 * The names `tansu` validates and lists in `--help`, kept apart from the repositories and
 * templates so that neither needs the database layer loaded.
 */
export const MAIL_STATES = ['queued', 'sending', 'sent', 'failed', 'logged'] as const satisfies readonly MailState[];

export const MAIL_TEMPLATE_NAMES = ['verify_email', 'reset_password', 'invitation', 'magic_link', 'change_email', 'email_changed'] as const;
export type MailTemplateName = (typeof MAIL_TEMPLATE_NAMES)[number];

/**
 * What a flow hands to every template: the tenant's display name, the recipient, the link to
 * follow and how long it stays valid, in words ("30 minutes").
 */
export const MAIL_VARIABLES = ['tenant_name', 'email', 'link', 'expires_in'] as const;
export type MailVariables = Record<(typeof MAIL_VARIABLES)[number], string>;

export function parseMailState(value: unknown): MailState {
  if (typeof value === 'string' && (MAIL_STATES as readonly string[]).includes(value)) return value as MailState;
  throw new AppError('invalid_request', `state must be one of ${MAIL_STATES.join(', ')}`);
}

export function parseTemplateName(value: unknown): MailTemplateName {
  if (typeof value === 'string' && (MAIL_TEMPLATE_NAMES as readonly string[]).includes(value)) return value as MailTemplateName;
  throw new AppError('invalid_template', `template must be one of ${MAIL_TEMPLATE_NAMES.join(', ')}`);
}
