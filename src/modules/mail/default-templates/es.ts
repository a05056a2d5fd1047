import type { MailCatalogue } from './words.ts';

export const es: MailCatalogue = {
  templates: {
    verify_email: {
      subject: 'Confirma tu dirección de correo para {{tenant_name}}',
      text: 'Confirma que {{email}} es tu dirección en {{tenant_name}} abriendo este enlace:\n\n{{link}}\n\nEl enlace es válido durante {{expires_in}}. Si no lo has pedido, ignora este correo.\n',
      heading: 'Confirma tu dirección de correo',
      lead: 'Confirma que {{email}} es tu dirección en {{tenant_name}}.',
      button: 'Confirmar dirección',
      after: 'El enlace es válido durante {{expires_in}}. Si no lo has pedido, ignora este correo.',
    },
    reset_password: {
      subject: 'Restablece tu contraseña de {{tenant_name}}',
      text: 'Alguien ha pedido restablecer la contraseña de {{email}} en {{tenant_name}}. Para elegir una nueva, abre este enlace:\n\n{{link}}\n\nEl enlace funciona una sola vez y durante {{expires_in}}. Si no has sido tú, ignora este correo: tu contraseña no cambia.\n',
      heading: 'Restablece tu contraseña',
      lead: 'Alguien ha pedido restablecer la contraseña de {{email}} en {{tenant_name}}.',
      button: 'Elegir una contraseña nueva',
      after: 'El enlace funciona una sola vez y durante {{expires_in}}. Si no has sido tú, ignora este correo: tu contraseña no cambia.',
    },
    invitation: {
      subject: 'Te han invitado a {{tenant_name}}',
      text: 'Te han invitado a {{tenant_name}} como {{email}}. Para aceptar, abre este enlace:\n\n{{link}}\n\nLa invitación es válida durante {{expires_in}}.\n',
      heading: 'Te han invitado',
      lead: 'Te han invitado a {{tenant_name}} como {{email}}.',
      button: 'Aceptar la invitación',
      after: 'La invitación es válida durante {{expires_in}}.',
    },
    magic_link: {
      subject: 'Tu enlace de inicio de sesión para {{tenant_name}}',
      text: 'Para iniciar sesión en {{tenant_name}} como {{email}}, abre este enlace en el navegador donde lo pediste:\n\n{{link}}\n\nEl enlace funciona una sola vez y durante {{expires_in}}. Si no lo has pedido, ignora este correo.\n',
      heading: 'Iniciar sesión',
      lead: 'Para iniciar sesión en {{tenant_name}} como {{email}}, abre este enlace en el navegador donde lo pediste.',
      button: 'Iniciar sesión',
      after: 'El enlace funciona una sola vez y durante {{expires_in}}. Si no lo has pedido, ignora este correo.',
    },
    change_email: {
      subject: 'Confirma tu nueva dirección de correo para {{tenant_name}}',
      text: 'Alguien con sesión iniciada en {{tenant_name}} ha pedido usar {{email}} como dirección de su cuenta. Para confirmarlo, abre este enlace:\n\n{{link}}\n\nLa dirección solo cambia si se usa el enlace en un plazo de {{expires_in}}. Si no lo has pedido, ignora este correo.\n',
      heading: 'Confirma tu nueva dirección de correo',
      lead: 'Alguien con sesión iniciada en {{tenant_name}} ha pedido usar {{email}} como dirección de su cuenta.',
      button: 'Usar esta dirección',
      after: 'La dirección solo cambia si se usa el enlace en un plazo de {{expires_in}}. Si no lo has pedido, ignora este correo.',
    },
    email_changed: {
      subject: 'Se ha cambiado la dirección de correo de tu cuenta de {{tenant_name}}',
      text: 'La cuenta de {{tenant_name}} que iniciaba sesión como {{email}} tiene ahora otra dirección, confirmada desde su nuevo buzón; {{email}} ya no sirve para iniciar sesión en ella.\n\nSi no has sido tú, pide ayuda de inmediato a los administradores de {{tenant_name}}. La página de la cuenta:\n\n{{link}}\n',
      heading: 'Se ha cambiado tu dirección de correo',
      lead: 'La cuenta de {{tenant_name}} que iniciaba sesión como {{email}} tiene ahora otra dirección, confirmada desde su nuevo buzón; {{email}} ya no sirve para iniciar sesión en ella.',
      button: 'Abrir la página de la cuenta',
      after: 'Si no has sido tú, pide ayuda de inmediato a los administradores de {{tenant_name}}.',
    },
  },
  units: { minute: { one: 'minuto', other: 'minutos' }, hour: { one: 'hora', other: 'horas' }, day: { one: 'día', other: 'días' } },
};
