import { AppError } from '../../errors.ts';

/**
 * Who may create an account through `POST /t/<id>/api/auth/signup`: anyone (`open`), holders of an
 * invitation (`invite`), or nobody (`disabled`, the default: accounts come from admins). Kept apart
 * from the service so that `tansu --help` can name the modes without loading the database layer.
 */
export const SIGNUP_MODES = ['open', 'invite', 'disabled'] as const;
export type SignupMode = (typeof SIGNUP_MODES)[number];

export function parseSignupMode(value: unknown): SignupMode {
  if (typeof value === 'string' && (SIGNUP_MODES as readonly string[]).includes(value)) return value as SignupMode;
  throw new AppError('invalid_setting', `signup must be one of ${SIGNUP_MODES.join(', ')}`);
}
