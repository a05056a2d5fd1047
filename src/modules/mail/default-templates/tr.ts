import type { MailCatalogue } from './words.ts';

export const tr: MailCatalogue = {
  templates: {
    verify_email: {
      subject: '{{tenant_name}} için e-posta adresinizi doğrulayın',
      text: '{{email}} adresinin {{tenant_name}} hesabınıza ait olduğunu doğrulamak için bu bağlantıyı açın:\n\n{{link}}\n\nBağlantı {{expires_in}} geçerlidir. Bunu siz istemediyseniz bu e-postayı yok sayın.\n',
      heading: 'E-posta adresinizi doğrulayın',
      lead: '{{email}} adresinin {{tenant_name}} hesabınıza ait olduğunu doğrulayın.',
      button: 'Adresi doğrula',
      after: 'Bağlantı {{expires_in}} geçerlidir. Bunu siz istemediyseniz bu e-postayı yok sayın.',
    },
    reset_password: {
      subject: '{{tenant_name}} parolanızı sıfırlayın',
      text: 'Birisi {{tenant_name}} hizmetindeki {{email}} hesabının parolasını sıfırlamak istedi. Yeni bir parola seçmek için bu bağlantıyı açın:\n\n{{link}}\n\nBağlantı yalnızca bir kez ve {{expires_in}} boyunca çalışır. Bu siz değilseniz bu e-postayı yok sayın: parolanız değişmez.\n',
      heading: 'Parolanızı sıfırlayın',
      lead: 'Birisi {{tenant_name}} hizmetindeki {{email}} hesabının parolasını sıfırlamak istedi.',
      button: 'Yeni parola seç',
      after: 'Bağlantı yalnızca bir kez ve {{expires_in}} boyunca çalışır. Bu siz değilseniz bu e-postayı yok sayın: parolanız değişmez.',
    },
    invitation: {
      subject: '{{tenant_name}} için davet',
      text: '{{email}} adresiyle {{tenant_name}} hizmetine davet edildiniz. Kabul etmek için bu bağlantıyı açın:\n\n{{link}}\n\nDavet {{expires_in}} geçerlidir.\n',
      heading: 'Davet edildiniz',
      lead: '{{email}} adresiyle {{tenant_name}} hizmetine davet edildiniz.',
      button: 'Daveti kabul et',
      after: 'Davet {{expires_in}} geçerlidir.',
    },
    magic_link: {
      subject: '{{tenant_name}} için oturum açma bağlantınız',
      text: '{{tenant_name}} hizmetinde {{email}} olarak oturum açmak için bu bağlantıyı, onu istediğiniz tarayıcıda açın:\n\n{{link}}\n\nBağlantı yalnızca bir kez ve {{expires_in}} boyunca çalışır. Siz istemediyseniz bu e-postayı yok sayın.\n',
      heading: 'Oturum açın',
      lead: '{{tenant_name}} hizmetinde {{email}} olarak oturum açmak için bu bağlantıyı, onu istediğiniz tarayıcıda açın.',
      button: 'Oturum aç',
      after: 'Bağlantı yalnızca bir kez ve {{expires_in}} boyunca çalışır. Siz istemediyseniz bu e-postayı yok sayın.',
    },
    change_email: {
      subject: '{{tenant_name}} için yeni e-posta adresinizi doğrulayın',
      text: '{{tenant_name}} hizmetinde oturum açmış biri, hesabının adresi olarak {{email}} adresini kullanmak istedi. Doğrulamak için bu bağlantıyı açın:\n\n{{link}}\n\nAdres yalnızca bağlantı {{expires_in}} içinde kullanılırsa değişir. Bunu siz istemediyseniz bu e-postayı yok sayın.\n',
      heading: 'Yeni e-posta adresinizi doğrulayın',
      lead: '{{tenant_name}} hizmetinde oturum açmış biri, hesabının adresi olarak {{email}} adresini kullanmak istedi.',
      button: 'Bu adresi kullan',
      after: 'Adres yalnızca bağlantı {{expires_in}} içinde kullanılırsa değişir. Bunu siz istemediyseniz bu e-postayı yok sayın.',
    },
    email_changed: {
      subject: '{{tenant_name}} hesabınızın e-posta adresi değiştirildi',
      text: '{{tenant_name}} hizmetinde {{email}} ile oturum açan hesabın artık yeni posta kutusundan doğrulanmış başka bir adresi var; {{email}} ile bu hesaba artık oturum açılamaz.\n\nBunu siz yapmadıysanız hemen {{tenant_name}} yöneticilerinden yardım isteyin. Hesap sayfası:\n\n{{link}}\n',
      heading: 'E-posta adresiniz değiştirildi',
      lead: '{{tenant_name}} hizmetinde {{email}} ile oturum açan hesabın artık yeni posta kutusundan doğrulanmış başka bir adresi var; {{email}} ile bu hesaba artık oturum açılamaz.',
      button: 'Hesap sayfasını aç',
      after: 'Bunu siz yapmadıysanız hemen {{tenant_name}} yöneticilerinden yardım isteyin.',
    },
  },
  units: { minute: { one: 'dakika', other: 'dakika' }, hour: { one: 'saat', other: 'saat' }, day: { one: 'gün', other: 'gün' } },
};
