import * as samlify from 'samlify';
import * as xmllint from '@authenio/samlify-node-xmllint';

/**
 * samlify's process-wide settings, made once by importing this file: every SAML message is
 * validated against the SAML 2.0 schemas (xmllint compiled to WebAssembly, no native code) before
 * anything in it is read. Without a validator samlify refuses every message.
 */
samlify.setSchemaValidator({ validate: (xml: string) => xmllint.validate(xml) });
