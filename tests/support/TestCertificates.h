#pragma once

#include <cstdlib>
#include <string>

// A self-signed certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1; EC P-256, so it takes
// milliseconds) made with the openssl CLI: the certificate a TLS server under test presents and,
// for its clients, the one authority they trust. A second one is "another CA".
namespace headroom::test
{

inline bool makeSelfSignedCertificate(const std::string& certPath, const std::string& keyPath)
{
    const std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                                "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
                                keyPath + "' -out '" + certPath + "' >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

} // namespace headroom::test
