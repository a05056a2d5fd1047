import type { Page } from '../../db/page.ts';
import type { RotationOutcome, RotationPolicy } from './key-rotation.ts';
import type { SigningKeyRow } from './signing-keys.repository.ts';

/** What may be said of a key: its id, algorithm, state and dates, never its private half, sealed or not. */
export type ListedKey = Pick<SigningKeyRow, 'kid' | 'alg' | 'state' | 'created_at' | 'activated_at' | 'retired_at' | 'unpublish_at'> & { published: boolean };

export interface KeyListing {
  policy: RotationPolicy;
  keys: ListedKey[];
}

/**
 * Signing keys and their rotation as they leave the process (`tansu keys … --json`): snake_case
 * keys, absent values as null. The stored policy keeps its own field names (a setting's JSON).
 */
export interface RotationPolicyView {
  rotate_every_days: number;
  grace_days: number;
}

export function rotationPolicyView(policy: RotationPolicy): RotationPolicyView {
  return { rotate_every_days: policy.rotateEveryDays, grace_days: policy.graceDays };
}

export function keyListingView(listing: KeyListing) {
  return { policy: rotationPolicyView(listing.policy), keys: listing.keys };
}

export function rotationView(outcome: RotationOutcome) {
  return {
    activated: outcome.activated,
    retired: outcome.retired ?? null,
    next: outcome.next,
    unpublish_at: outcome.unpublishAt?.toISOString() ?? null,
    removed: outcome.removed,
  };
}

/** A key as the admin API lists it: dates in ISO 8601, never key material. */
export function signingKeyView(key: ListedKey) {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    kid: key.kid,
    alg: key.alg,
    state: key.state,
    created_at: key.created_at.toISOString(),
    activated_at: iso(key.activated_at),
    retired_at: iso(key.retired_at),
    unpublish_at: iso(key.unpublish_at),
    published: key.published,
  };
}

export function signingKeyPageView(page: Page<ListedKey>) {
  return { items: page.items.map(signingKeyView), next_cursor: page.next_cursor };
}
