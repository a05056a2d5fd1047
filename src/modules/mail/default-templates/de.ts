import type { MailCatalogue } from './words.ts';

export const de: MailCatalogue = {
  templates: {
    verify_email: {
      subject: 'Bestätigen Sie Ihre E-Mail-Adresse für {{tenant_name}}',
      text: 'Bestätigen Sie, dass {{email}} Ihre Adresse bei {{tenant_name}} ist, indem Sie diesen Link öffnen:\n\n{{link}}\n\nDer Link ist {{expires_in}} gültig. Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.\n',
      heading: 'Bestätigen Sie Ihre E-Mail-Adresse',
      lead: 'Bestätigen Sie, dass {{email}} Ihre Adresse bei {{tenant_name}} ist.',
      button: 'Adresse bestätigen',
      after: 'Der Link ist {{expires_in}} gültig. Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.',
    },
    reset_password: {
      subject: 'Ihr Passwort für {{tenant_name}} zurücksetzen',
      text: 'Jemand möchte das Passwort von {{email}} bei {{tenant_name}} zurücksetzen. Um ein neues zu wählen, öffnen Sie diesen Link:\n\n{{link}}\n\nDer Link funktioniert einmal und {{expires_in}} lang. Waren Sie das nicht, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.\n',
      heading: 'Passwort zurücksetzen',
      lead: 'Jemand möchte das Passwort von {{email}} bei {{tenant_name}} zurücksetzen.',
      button: 'Neues Passwort wählen',
      after: 'Der Link funktioniert einmal und {{expires_in}} lang. Waren Sie das nicht, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.',
    },
    invitation: {
      subject: 'Einladung zu {{tenant_name}}',
      text: 'Sie wurden als {{email}} zu {{tenant_name}} eingeladen. Um die Einladung anzunehmen, öffnen Sie diesen Link:\n\n{{link}}\n\nDie Einladung ist {{expires_in}} gültig.\n',
      heading: 'Sie sind eingeladen',
      lead: 'Sie wurden als {{email}} zu {{tenant_name}} eingeladen.',
      button: 'Einladung annehmen',
      after: 'Die Einladung ist {{expires_in}} gültig.',
    },
    magic_link: {
      subject: 'Ihr Anmeldelink für {{tenant_name}}',
      text: 'Um sich als {{email}} bei {{tenant_name}} anzumelden, öffnen Sie diesen Link in dem Browser, in dem Sie ihn angefordert haben:\n\n{{link}}\n\nDer Link funktioniert einmal und {{expires_in}} lang. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail.\n',
      heading: 'Anmelden',
      lead: 'Um sich als {{email}} bei {{tenant_name}} anzumelden, öffnen Sie diesen Link in dem Browser, in dem Sie ihn angefordert haben.',
      button: 'Anmelden',
      after: 'Der Link funktioniert einmal und {{expires_in}} lang. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail.',
    },
    change_email: {
      subject: 'Bestätigen Sie Ihre neue E-Mail-Adresse für {{tenant_name}}',
      text: 'Jemand, der bei {{tenant_name}} angemeldet ist, möchte {{email}} als Adresse seines Kontos verwenden. Zur Bestätigung öffnen Sie diesen Link:\n\n{{link}}\n\nDie Adresse ändert sich erst, wenn der Link innerhalb von {{expires_in}} verwendet wird. Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.\n',
      heading: 'Neue E-Mail-Adresse bestätigen',
      lead: 'Jemand, der bei {{tenant_name}} angemeldet ist, möchte {{email}} als Adresse seines Kontos verwenden.',
      button: 'Diese Adresse verwenden',
      after: 'Die Adresse ändert sich erst, wenn der Link innerhalb von {{expires_in}} verwendet wird. Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.',
    },
    email_changed: {
      subject: 'Die E-Mail-Adresse Ihres Kontos bei {{tenant_name}} wurde geändert',
      text: 'Das Konto bei {{tenant_name}}, das sich als {{email}} angemeldet hat, hat jetzt eine andere Adresse, bestätigt über das neue Postfach; mit {{email}} kann man sich nicht mehr daran anmelden.\n\nWaren Sie das nicht, wenden Sie sich sofort an die Administratoren von {{tenant_name}}. Die Kontoseite:\n\n{{link}}\n',
      heading: 'Ihre E-Mail-Adresse wurde geändert',
      lead: 'Das Konto bei {{tenant_name}}, das sich als {{email}} angemeldet hat, hat jetzt eine andere Adresse, bestätigt über das neue Postfach; mit {{email}} kann man sich nicht mehr daran anmelden.',
      button: 'Kontoseite öffnen',
      after: 'Waren Sie das nicht, wenden Sie sich sofort an die Administratoren von {{tenant_name}}.',
    },
  },
  units: { minute: { one: 'Minute', other: 'Minuten' }, hour: { one: 'Stunde', other: 'Stunden' }, day: { one: 'Tag', other: 'Tage' } },
};
