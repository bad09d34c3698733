/**
 * TLS settings for VeNCrypt's anonymous subtypes (TLSNone, TLSVnc): no certificates, key exchange by
 * anonymous (EC)DH. TLS 1.3 has no anonymous suites, so both sides stay at TLS 1.2. OpenSSL 3 puts aNULL
 * suites below its default security level, hence @SECLEVEL=0. TigerVNC's viewer (GnuTLS, priority
 * "NORMAL:+ANON-ECDH:+ANON-DH") offers ECDH_ANON with AES-CBC/SHA1 and DH_ANON with AES-GCM/CBC, which
 * meet OpenSSL's AECDH-AES*-SHA and ADH-AES*-GCM-SHA* here. dhparam "auto" gives the ADH suites their
 * group (RFC 7919 ffdhe by the size OpenSSL picks).
 */
import type { ConnectionOptions, TlsOptions } from "node:tls";

export const ANONYMOUS_TLS_CIPHERS = "aNULL:!eNULL:!EXPORT:!DES:!3DES:!RC4:!MD5:@SECLEVEL=0";

export function anonymousTlsServerOptions(): TlsOptions {
  return { ciphers: ANONYMOUS_TLS_CIPHERS, minVersion: "TLSv1.2", maxVersion: "TLSv1.2", dhparam: "auto" };
}

export function anonymousTlsClientOptions(): ConnectionOptions {
  // Nothing to verify: anonymous suites carry no certificate.
  return { ciphers: ANONYMOUS_TLS_CIPHERS, minVersion: "TLSv1.2", maxVersion: "TLSv1.2", rejectUnauthorized: false };
}
