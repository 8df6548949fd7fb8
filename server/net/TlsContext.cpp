#include "server/net/TlsContext.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace headroom::server::net
{
namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 list without the DHE suites (no DH parameters are configured):
// ECDHE key exchange, AEAD ciphers only (no CBC, no SHA-1 MACs, no RSA key exchange).
const char* const kTls12CipherList = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                     "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                     "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

namespace
{
constexpr std::size_t kMaxPemBytes = 1024 * 1024;

// OpenSSL's queued errors as one line (and the queue emptied).
std::string opensslErrors()
{
    std::string text;
    while (const unsigned long e = ERR_get_error())
    {
        char buffer[256];
        ERR_error_string_n(e, buffer, sizeof buffer);
        if (!text.empty()) text += "; ";
        text += buffer;
    }
    return text.empty() ? std::string("unknown OpenSSL error") : text;
}

std::string readFile(const std::string& option, const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(option + " " + path + ": cannot open: " + std::strerror(errno));
    std::string text;
    char buffer[16384];
    for (;;)
    {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
        {
            const int error = errno;
            ::close(fd);
            throw std::runtime_error(option + " " + path + ": cannot read: " + std::strerror(error));
        }
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > kMaxPemBytes)
        {
            ::close(fd);
            throw std::runtime_error(option + " " + path + ": larger than 1 MiB; not a PEM file");
        }
    }
    ::close(fd);
    return text;
}

struct BioDeleter
{
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct KeyDeleter
{
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};

// No passphrase prompt (OpenSSL's default reads the terminal): an encrypted key fails to load.
int noPassphrase(char*, int, int, void*)
{
    return 0;
}
} // namespace

std::unique_ptr<ssl::context> makeTlsServerContext(const std::string& certFile, const std::string& keyFile)
{
    const std::string certPem = readFile("--tls-cert", certFile);
    const std::string keyPem = readFile("--tls-key", keyFile);

    ERR_clear_error();
    auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = context->native_handle();
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
        throw std::runtime_error("TLS: cannot set TLS 1.2 as the minimum version: " + opensslErrors());
    SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_set_cipher_list(native, kTls12CipherList) != 1)
        throw std::runtime_error("TLS: cannot set the cipher list: " + opensslErrors());
    SSL_CTX_set_default_passwd_cb(native, &noPassphrase);

    boost::system::error_code ec;
    context->use_certificate_chain(boost::asio::buffer(certPem), ec);
    if (ec)
    {
        ERR_clear_error();
        throw std::runtime_error("--tls-cert " + certFile + ": no usable PEM certificate in it (" + ec.message() + ")");
    }

    ERR_clear_error();
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())));
    std::unique_ptr<EVP_PKEY, KeyDeleter> key(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &noPassphrase, nullptr) : nullptr);
    if (!key)
    {
        const std::string why = opensslErrors();
        const bool encrypted = keyPem.find("ENCRYPTED") != std::string::npos;
        throw std::runtime_error("--tls-key " + keyFile + ": " +
                                 (encrypted ? std::string("the private key is encrypted; give an unencrypted key "
                                                          "(readable by this user only)")
                                            : "no usable PEM private key in it (" + why + ")"));
    }
    X509* leaf = SSL_CTX_get0_certificate(native);
    if (leaf == nullptr || X509_check_private_key(leaf, key.get()) != 1)
    {
        ERR_clear_error();
        throw std::runtime_error("--tls-key " + keyFile + " does not match the certificate in --tls-cert " + certFile);
    }
    if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1)
        throw std::runtime_error("--tls-key " + keyFile + ": cannot use the key with --tls-cert " + certFile + " (" +
                                 opensslErrors() + ")");
    return context;
}

} // namespace headroom::server::net
