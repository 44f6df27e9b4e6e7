#pragma once
// The certificates the SAML fuzz targets trust (base64 DER), written by
// fuzz/corpus/make-saml-seeds with the signed seeds: their private keys were thrown away.

namespace gatehouse::saml::fuzzing {

inline constexpr const char* kRsaCertificate =
    "MIIDJTCCAg2gAwIBAgIUUzcgOFbhtMLXvdiotPAc6lN0G2swDQYJKoZIhvcNAQELBQAwIjEgMB4GA1UEAwwXZnV6ei1yc2Eu"
    "c3AuZXhhbXBsZS5jb20wHhcNMjYxMjA0MTk0MDM2WhcNMzYxMjAxMTk0MDM2WjAiMSAwHgYDVQQDDBdmdXp6LXJzYS5zcC5l"
    "eGFtcGxlLmNvbTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAM8WBCPjGOzYcuvrmeYFmIEVuwsOnzRdq0gTptiV"
    "8w87iDGur3fa6ktA/yvq8u3JjCv0tia7oaDg8bXEb3mrPxhsP3w/TpZ5g1caHo45uUC5yPXTctPBrUAfajrLC0XDeWDZK+xp"
    "1ZG14m4wH+0eKj7dPDq7yyuuhGqEhgdnHML6oOrB90DCq2bq/VJl6lAVqn+XaMxf81xod7VpLx6HMbP/8OVYyIPu4h174OEm"
    "kKni+Jll1jyVDa3QbPUVn98R3PF7jNv+T+l+1/oacEMI/KBN5cDFOq0gTwahC85BZ/If3Ce5SGAeAMSpB6fWp3xwpuKLiL0C"
    "Z0kVeIkStpwspB8CAwEAAaNTMFEwHQYDVR0OBBYEFJ4Sez/OnGpYgZWwwMUiBvAKy2rlMB8GA1UdIwQYMBaAFJ4Sez/OnGpY"
    "gZWwwMUiBvAKy2rlMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAIlAcMvFIsOezLuzWA6eSZVlRNvVjBiH"
    "YqYYiZ2LEZqFHCxrI5rhhD/Ep1TfeI8DNy/C/gr/HTmsrsZgfG4B6ZLH3uoE3foRxZuEun35Bv6d/1zQ2jI+TN+DnOr3XmfY"
    "Zd3sdm4ThP3c8Sx+QBJ8MDx7kwW/4zbqirWP83wEEukRfO3tCB8hHoTHD6x/bwHX+p8cn6j1L6neWHQ7kjYqAdrozmg5Oqur"
    "unFZ+K+lwtvdPT/AIf5d/p8ApNb9vXlaQPutD88PMCCERFVfKs5Z+CRwiwyp7cU56NErO6PaUDYHqbsTwHtGPMARhD5qqu7C"
    "qTUryb7mRg4C+jZ06qCiYk0=";

inline constexpr const char* kEcCertificate =
    "MIIBlzCCAT2gAwIBAgIUXvtIQiwcI72nspcXrWvHrq579pAwCgYIKoZIzj0EAwIwITEfMB0GA1UEAwwWZnV6ei1lYy5zcC5l"
    "eGFtcGxlLmNvbTAeFw0yNjEyMDQxOTQwMzZaFw0zNjEyMDExOTQwMzZaMCExHzAdBgNVBAMMFmZ1enotZWMuc3AuZXhhbXBs"
    "ZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQkoyYamSVBIll71/jsIAbvL24zXaLgBKDRnDUQcF/2ixwpCTl19OFj"
    "ZLehwcT8NbDTp0USpXh04qF3YwJCcP13o1MwUTAdBgNVHQ4EFgQUd8nyh9/9pQs9RzgYl9aWqiZ6rbEwHwYDVR0jBBgwFoAU"
    "d8nyh9/9pQs9RzgYl9aWqiZ6rbEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiARgPSwmttDDIs40SIchvrn"
    "24yNIHJUQO4hyIV6WDjXfAIhAJ094cIRnW2jY190kfjQTOrhFNjNOXzvhsRDgwr6h/1r";

}  // namespace gatehouse::saml::fuzzing
