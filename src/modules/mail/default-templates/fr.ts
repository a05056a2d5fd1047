import type { MailCatalogue } from './words.ts';

export const fr: MailCatalogue = {
  templates: {
    verify_email: {
      subject: 'Confirmez votre adresse e-mail pour {{tenant_name}}',
      text: "Confirmez que {{email}} est votre adresse chez {{tenant_name}} en ouvrant ce lien :\n\n{{link}}\n\nLe lien est valable {{expires_in}}. Si vous n'avez rien demandé, ignorez ce message.\n",
      heading: 'Confirmez votre adresse e-mail',
      lead: 'Confirmez que {{email}} est votre adresse chez {{tenant_name}}.',
      button: "Confirmer l'adresse",
      after: "Le lien est valable {{expires_in}}. Si vous n'avez rien demandé, ignorez ce message.",
    },
    reset_password: {
      subject: 'Réinitialisez votre mot de passe {{tenant_name}}',
      text: "Quelqu'un a demandé à réinitialiser le mot de passe de {{email}} chez {{tenant_name}}. Pour en choisir un nouveau, ouvrez ce lien :\n\n{{link}}\n\nLe lien fonctionne une seule fois, pendant {{expires_in}}. Si ce n'était pas vous, ignorez ce message : votre mot de passe ne change pas.\n",
      heading: 'Réinitialisez votre mot de passe',
      lead: "Quelqu'un a demandé à réinitialiser le mot de passe de {{email}} chez {{tenant_name}}.",
      button: 'Choisir un nouveau mot de passe',
      after: "Le lien fonctionne une seule fois, pendant {{expires_in}}. Si ce n'était pas vous, ignorez ce message : votre mot de passe ne change pas.",
    },
    invitation: {
      subject: 'Vous êtes invité(e) à rejoindre {{tenant_name}}',
      text: "Vous avez été invité(e) à rejoindre {{tenant_name}} avec l'adresse {{email}}. Pour accepter, ouvrez ce lien :\n\n{{link}}\n\nL'invitation est valable {{expires_in}}.\n",
      heading: 'Vous êtes invité(e)',
      lead: "Vous avez été invité(e) à rejoindre {{tenant_name}} avec l'adresse {{email}}.",
      button: "Accepter l'invitation",
      after: "L'invitation est valable {{expires_in}}.",
    },
    magic_link: {
      subject: 'Votre lien de connexion pour {{tenant_name}}',
      text: "Pour vous connecter à {{tenant_name}} en tant que {{email}}, ouvrez ce lien dans le navigateur où vous l'avez demandé :\n\n{{link}}\n\nLe lien fonctionne une seule fois, pendant {{expires_in}}. Si vous ne l'avez pas demandé, ignorez ce message.\n",
      heading: 'Connexion',
      lead: "Pour vous connecter à {{tenant_name}} en tant que {{email}}, ouvrez ce lien dans le navigateur où vous l'avez demandé.",
      button: 'Se connecter',
      after: "Le lien fonctionne une seule fois, pendant {{expires_in}}. Si vous ne l'avez pas demandé, ignorez ce message.",
    },
    change_email: {
      subject: 'Confirmez votre nouvelle adresse e-mail pour {{tenant_name}}',
      text: "Une personne connectée à {{tenant_name}} souhaite utiliser {{email}} comme adresse de son compte. Pour confirmer, ouvrez ce lien :\n\n{{link}}\n\nL'adresse ne change que si le lien est utilisé, dans un délai de {{expires_in}}. Si vous n'avez rien demandé, ignorez ce message.\n",
      heading: 'Confirmez votre nouvelle adresse e-mail',
      lead: 'Une personne connectée à {{tenant_name}} souhaite utiliser {{email}} comme adresse de son compte.',
      button: 'Utiliser cette adresse',
      after: "L'adresse ne change que si le lien est utilisé, dans un délai de {{expires_in}}. Si vous n'avez rien demandé, ignorez ce message.",
    },
    email_changed: {
      subject: "L'adresse e-mail de votre compte {{tenant_name}} a été modifiée",
      text: "Le compte {{tenant_name}} qui se connectait avec {{email}} a désormais une autre adresse, confirmée depuis sa nouvelle boîte ; {{email}} ne permet plus de s'y connecter.\n\nSi ce n'était pas vous, demandez immédiatement de l'aide aux administrateurs de {{tenant_name}}. La page du compte :\n\n{{link}}\n",
      heading: 'Votre adresse e-mail a été modifiée',
      lead: "Le compte {{tenant_name}} qui se connectait avec {{email}} a désormais une autre adresse, confirmée depuis sa nouvelle boîte ; {{email}} ne permet plus de s'y connecter.",
      button: 'Ouvrir la page du compte',
      after: "Si ce n'était pas vous, demandez immédiatement de l'aide aux administrateurs de {{tenant_name}}.",
    },
  },
  units: { minute: { one: 'minute', other: 'minutes' }, hour: { one: 'heure', other: 'heures' }, day: { one: 'jour', other: 'jours' } },
};
