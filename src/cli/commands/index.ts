import type { CommandSpec } from '../command.ts';
import { tenantCommands } from './tenant.ts';
import { tenantCreateAdminCommand } from './admin-tenant.ts';
import { migrateCommand } from './migrate.ts';
import { tenantBackupCommand, tenantRestoreCommand } from './tenant-backup.ts';
import { tenantMoveCommand, tenantRecoverCommand } from './tenant-move.ts';
import { tenantSettingsCommand } from './tenant-settings.ts';
import { clusterAddCommand, clusterListCommand, clusterRemoveCommand } from './cluster.ts';
import { keysListCommand, keysPolicyCommand, keysRotateCommand } from './keys.ts';
import { pgcatConfigCommand } from './pgcat-config.ts';
import { pgbouncerUserlistCommand } from './pgbouncer-userlist.ts';
import { userCreateCommand, userDeleteCommand, userDisableCommand, userEnableCommand, userListCommand, userResendVerificationCommand, userSendResetCommand } from './user.ts';
import { inviteCreateCommand, inviteListCommand, inviteResendCommand, inviteRevokeCommand } from './invite.ts';
import { userFactorsCommand, userResetMfaCommand } from './user-mfa.ts';
import { clientCommands } from './client.ts';
import { brandingCommand } from './branding.ts';
import { apiCommands } from './api.ts';
import { idpCommands } from './idp.ts';
import { mailCommands } from './mail.ts';
import { demoCommand } from './demo.ts';
import { auditListCommand } from './audit.ts';
import { domainCommands } from './domain.ts';

/** Every `tansu` command; the runner and `--help` read this list. One line per command file. */
export const allCommands: CommandSpec[] = [
  ...tenantCommands,
  tenantCreateAdminCommand,
  migrateCommand,
  tenantBackupCommand,
  tenantRestoreCommand,
  tenantMoveCommand,
  tenantRecoverCommand,
  tenantSettingsCommand,
  brandingCommand,
  clusterAddCommand,
  clusterListCommand,
  clusterRemoveCommand,
  keysListCommand,
  keysRotateCommand,
  keysPolicyCommand,
  auditListCommand,
  pgcatConfigCommand,
  pgbouncerUserlistCommand,
  userCreateCommand,
  userListCommand,
  userSendResetCommand,
  userResendVerificationCommand,
  userDisableCommand,
  userEnableCommand,
  userDeleteCommand,
  userFactorsCommand,
  userResetMfaCommand,
  inviteCreateCommand,
  inviteListCommand,
  inviteResendCommand,
  inviteRevokeCommand,
  ...clientCommands,
  ...apiCommands,
  ...idpCommands,
  ...mailCommands,
  ...domainCommands,
  demoCommand,
];
