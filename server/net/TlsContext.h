#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

// The TLS settings of `headroom serve --tls-cert FILE --tls-key FILE` (hardening-checklist.md §4,
// §6 T-1): TLS 1.2 minimum (SSLv3, TLS 1.0 and 1.1 refused), TLS 1.2 cipher suites restricted to
// ECDHE with AES-GCM or ChaCha20-Poly1305 (forward secrecy, AEAD only; TLS 1.3 keeps OpenSSL's
// defaults, which are all AEAD), the server's cipher order, no compression, no renegotiation.
// No Beast here (OpenSSL through Boost.Asio's ssl::context only).
namespace headroom::server::net
{

// [setup] Reads the PEM certificate chain and the PEM private key and checks that they match.
// Throws std::runtime_error naming the file: unreadable, no PEM certificate/key in it, an
// encrypted key (no passphrase prompt: a daemon must not block on a terminal), or a key that does
// not belong to the certificate.
[[nodiscard]] std::unique_ptr<boost::asio::ssl::context> makeTlsServerContext(const std::string& certFile,
                                                                              const std::string& keyFile);

// The TLS 1.2 cipher list set by makeTlsServerContext (OpenSSL syntax).
extern const char* const kTls12CipherList;

} // namespace headroom::server::net
