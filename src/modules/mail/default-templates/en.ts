import type { MailCatalogue } from './words.ts';

export const en: MailCatalogue = {
  templates: {
    verify_email: {
      subject: 'Confirm your email address for {{tenant_name}}',
      text: 'Confirm that {{email}} is your address at {{tenant_name}} by opening this link:\n\n{{link}}\n\nThe link is valid for {{expires_in}}. If you did not ask for this, ignore this mail.\n',
      heading: 'Confirm your email address',
      lead: 'Confirm that {{email}} is your address at {{tenant_name}}.',
      button: 'Confirm address',
      after: 'The link is valid for {{expires_in}}. If you did not ask for this, ignore this mail.',
    },
    reset_password: {
      subject: 'Reset your {{tenant_name}} password',
      text: 'Someone asked to reset the password of {{email}} at {{tenant_name}}. To choose a new one, open this link:\n\n{{link}}\n\nThe link works once and for {{expires_in}}. If it was not you, ignore this mail: your password stays as it is.\n',
      heading: 'Reset your password',
      lead: 'Someone asked to reset the password of {{email}} at {{tenant_name}}.',
      button: 'Choose a new password',
      after: 'The link works once and for {{expires_in}}. If it was not you, ignore this mail: your password stays as it is.',
    },
    invitation: {
      subject: 'You are invited to {{tenant_name}}',
      text: 'You have been invited to {{tenant_name}} as {{email}}. To accept, open this link:\n\n{{link}}\n\nThe invitation is valid for {{expires_in}}.\n',
      heading: 'You are invited',
      lead: 'You have been invited to {{tenant_name}} as {{email}}.',
      button: 'Accept the invitation',
      after: 'The invitation is valid for {{expires_in}}.',
    },
    magic_link: {
      subject: 'Your sign-in link for {{tenant_name}}',
      text: 'To sign in to {{tenant_name}} as {{email}}, open this link in the browser where you asked for it:\n\n{{link}}\n\nThe link works once and for {{expires_in}}. If you did not ask for it, ignore this mail.\n',
      heading: 'Sign in',
      lead: 'To sign in to {{tenant_name}} as {{email}}, open this link in the browser where you asked for it.',
      button: 'Sign in',
      after: 'The link works once and for {{expires_in}}. If you did not ask for it, ignore this mail.',
    },
    change_email: {
      subject: 'Confirm your new email address for {{tenant_name}}',
      text: 'Someone signed in to {{tenant_name}} asked to use {{email}} as the address of their account. To confirm it, open this link:\n\n{{link}}\n\nThe address changes only when the link is used, within {{expires_in}}. If you did not ask for this, ignore this mail.\n',
      heading: 'Confirm your new email address',
      lead: 'Someone signed in to {{tenant_name}} asked to use {{email}} as the address of their account.',
      button: 'Use this address',
      after: 'The address changes only when the link is used, within {{expires_in}}. If you did not ask for this, ignore this mail.',
    },
    // A notice to the address the account left: nothing to use, so no lifetime ({{expires_in}} is empty).
    email_changed: {
      subject: 'The email address of your {{tenant_name}} account was changed',
      text: 'The account at {{tenant_name}} that signed in as {{email}} now has another address, confirmed from its new mailbox; {{email}} no longer signs in to it.\n\nIf you did not do this, ask the administrators of {{tenant_name}} for help at once. The account page:\n\n{{link}}\n',
      heading: 'Your email address was changed',
      lead: 'The account at {{tenant_name}} that signed in as {{email}} now has another address, confirmed from its new mailbox; {{email}} no longer signs in to it.',
      button: 'Open the account page',
      after: 'If you did not do this, ask the administrators of {{tenant_name}} for help at once.',
    },
  },
  units: { minute: { one: 'minute', other: 'minutes' }, hour: { one: 'hour', other: 'hours' }, day: { one: 'day', other: 'days' } },
};
