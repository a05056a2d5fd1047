import type { KeyListing } from './keys.service.ts';
import type { RotationOutcome, RotationPolicy } from './key-rotation.ts';

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
