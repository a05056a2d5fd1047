/**
 * The days a rotation policy may name. Apart from key-rotation.ts so `tansu keys policy` can judge
 * its flags before it loads the database layer.
 */
export const ROTATION_POLICY_DAYS = Object.freeze({ max: 3650, minRotateEvery: 1 });
