import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError, invalidRequest, isAppError } from '../../errors.ts';
import { parseNewTenantId, parseTenantId } from '../../platform/tenant-id.ts';
import { streamTenantBackup } from '../../provisioning/backup.ts';
import { restoreTenant } from '../../provisioning/restore.ts';
import { backupTenantSchema, restoreTenantSchema } from './operation.schemas.ts';
import { callerText } from './platform-admin-auth.ts';
import { receiveUpload } from './upload.ts';
import { acceptJob } from './jobs.routes.ts';
import type { JobRunner } from './job-runner.ts';

/**
 * Backups leave and arrive as files over HTTP: the download is the sealed file `tansu tenant
 * backup` writes, streamed while it is read from the dump on disk; the upload is streamed to a
 * private file first, and restored from there as a job (checking its seal is the job's first step).
 */
export async function backupRoutes(app: FastifyInstance, jobs: JobRunner): Promise<void> {
  const { platform } = app;

  // Without the type provider: the answer is a stream, which no JSON response type describes.
  app.get<{ Params: { id: string } }>('/tenants/:id/backup', { schema: backupTenantSchema }, async (request, reply) => {
    const backup = await streamTenantBackup(platform, request.params.id, { actor: `platform-api:${callerText(request.platformAdmin)}` });
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(backup.bytes))
      .header('content-disposition', `attachment; filename="${backup.fileName}"`)
      .send(backup.stream);
  });

  // A scope of its own: only here is a body a raw stream, and only of this one media type.
  await app.register(async (upload) => {
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

    upload.withTypeProvider<TypeBoxTypeProvider>().post('/tenants/:id/restore', { schema: restoreTenantSchema }, async (request, reply) => {
      const id = parseTenantId(request.params.id);
      const { as, force = false, cluster } = request.query;
      // Judged before the upload is read: a request that cannot succeed does not cost the transfer.
      const target = as === undefined || as === id ? id : parseNewTenantId(as);
      const body = request.body as Readable | undefined;
      if (!body) throw invalidRequest('the backup file is required as the body (Content-Type: application/octet-stream)');
      const declared = Number(request.headers['content-length']);
      const file = await receiveUpload(body, {
        maxBytes: platform.config.restoreUploadMaxBytes,
        ...(Number.isSafeInteger(declared) && { declaredBytes: declared }),
      }).catch((error: unknown) => {
        // The rest of a body over the limit is never read: the connection ends with the answer.
        if (isAppError(error) && error.status === 413) reply.header('connection', 'close');
        throw error;
      });
      return acceptJob(reply, jobs, {
        kind: 'restore',
        tenantId: target,
        params: { tenant: id, ...(as !== undefined && { as }), force, ...(cluster !== undefined && { cluster }), bytes: file.bytes },
        createdBy: callerText(request.platformAdmin),
        async run(work) {
          const steps = work.steps();
          // The temporary file's path means nothing to the caller: it is "the uploaded file".
          const named = (text: string) => text.replaceAll(file.file, 'the uploaded file');
          const restored = await restoreTenant(platform, { from: file.file, tenant: id, as, force, cluster, progress: (step) => steps(named(step)) }).catch(
            (error: unknown) => {
              throw isAppError(error) ? new AppError(error.code, named(error.message), error.status, error.details) : error;
            },
          );
          const { tenant } = restored;
          return { result: { tenant: tenant.id, cluster: tenant.cluster, status: tenant.status, replaced: restored.replaced, signing_keys: restored.signingKeys } };
        },
        cleanup: file.remove,
      });
    });
  });
}
