/**
 * The layers of docs/architecture.md#layers, top to bottom. An import may point down, or stay
 * inside its own layer; never up, and never across to a peer of the same height. `npm test` runs
 * this through test/architecture.test.ts, so a new back-arrow fails the build.
 */
const LAYERS = [
  { name: 'composition root', height: 0, path: '^src/(main|app|listeners|banner|worker-supervisor)\\.ts$' },
  { name: 'routes', height: 1, path: '^src/routes/' },
  { name: 'cli', height: 1, path: '^src/cli/' },
  { name: 'jobs', height: 1, path: '^src/jobs/' },
  { name: 'tenancy', height: 2, path: '^src/tenancy/' },
  { name: 'oidc', height: 3, path: '^src/oidc/' },
  { name: 'provisioning', height: 3, path: '^src/provisioning/' },
  { name: 'modules', height: 4, path: '^src/modules/' },
  { name: 'platform', height: 5, path: '^src/platform/' },
  { name: 'ops', height: 6, path: '^src/ops/' },
  { name: 'base', height: 7, path: '^src/(db/|crypto/|http/|(config|errors|logger|log-pretty)\\.ts$)' },
];

const upOrAcross = LAYERS.filter((layer) => layer.height > 0).map((layer) => ({
  name: `${layer.name.replace(/ /g, '-')}-imports-up-or-across`,
  comment: `${layer.name} may import only layers below it (docs/architecture.md#layers)`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.filter((other) => other !== layer && other.height <= layer.height).map((other) => other.path) },
}));

module.exports = {
  forbidden: [
    ...upOrAcross,
    {
      name: 'outside-the-layers',
      comment: 'every source file belongs to a layer; add a new folder to LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map((layer) => layer.path) },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'an import cycle makes module start-up order matter',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-tests',
      comment: 'the service never imports test code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
