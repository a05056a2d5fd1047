import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { clusterView } from '../../platform/cluster-view.ts';
import { addClusterSchema, listClustersSchema, removeClusterSchema } from './operation.schemas.ts';

/** Clusters, as `tansu cluster list|add|remove`: URLs go in with their passwords and come out redacted. */
export function clusterRoutes(app: FastifyInstance): void {
  const { clusters } = app.platform;
  const scope = app.withTypeProvider<TypeBoxTypeProvider>();

  scope.get('/clusters', { schema: listClustersSchema }, async () => ({ clusters: (await clusters.list()).map(clusterView) }));

  scope.post('/clusters', { bodyLimit: 8 * 1024, schema: addClusterSchema }, async (request, reply) => {
    const { name, url, pooled_url } = request.body;
    await clusters.add(name, url, pooled_url);
    const added = (await clusters.list()).find((cluster) => cluster.name === name)!;
    return reply.status(201).send(clusterView(added));
  });

  scope.delete('/clusters/:name', { schema: removeClusterSchema }, async (request, reply) => {
    await clusters.remove(request.params.name);
    return reply.status(204).send(null);
  });
}
