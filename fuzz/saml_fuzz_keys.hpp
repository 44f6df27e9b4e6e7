#pragma once
// The certificates the SAML fuzz targets trust (base64 DER), written by
// fuzz/corpus/make-saml-seeds with the signed seeds: their private keys were thrown away.

namespace gatehouse::saml::fuzzing {

inline constexpr const char* kRsaCertificate =
    "MIIDJTCCAg2gAwIBAgIUOn35rsiMQ35ioqK5ho2952E1HPgwDQYJKoZIhvcNAQELBQAwIjEgMB4GA1UEAwwXZnV6ei1yc2Eu"
    "c3AuZXhhbXBsZS5jb20wHhcNMjYxMjA0MTY0MjA4WhcNMzYxMjAxMTY0MjA4WjAiMSAwHgYDVQQDDBdmdXp6LXJzYS5zcC5l"
    "eGFtcGxlLmNvbTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALbWsoH/aZ0HtU+NvGwpu0GcGyYLIDUgj3+oOR5V"
    "Jp+I2dDHHuHoTp4IcspVWRK5R58OjdG56u18Mu0/KhOxY5gpoX1XRpnBBm7UdlIhShBbic3rrjxYG26uEA1A93ei/mOBq0xU"
    "BheKrY7xVhN1qVGtTVZvK2y0i4TfBsbVAFd1Rapj+dvcNzeO3zqnIIUndLuGE2MTh3y2SXc+yZ9pVcNjWgJyC4sfHiRums8D"
    "jPjVlTr2wL0rig4UYfOQuM/y417ziUncBHb9XT99Tmp2BCf3b0UE/7ay1eXQmMJx0DnKt7aAOkBPwPFOh2AehMr2PA6Mryez"
    "1d5v0vVUdK5alg8CAwEAAaNTMFEwHQYDVR0OBBYEFHItNemoZ82ua8JDOGTBGN1zoFyyMB8GA1UdIwQYMBaAFHItNemoZ82u"
    "a8JDOGTBGN1zoFyyMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAJNDt91r4G2rOlaRaJqf15BlMoNoZ6vN"
    "d4no5b6vF3rkRa4qmonRqNXVPLU+4MyRN7G6vcZGxUBOzL7SVePxaqer0hjNH8rERDmanrf0kBl4sBeUVouREJBjwTeRiB+6"
    "po5vuYjDIvkLX519/WEdL2mWwsXCNXLCYWKQmtfqH4b8DuaZdLaPpmV0Cxq3j/pzvI1rvdldcEWhFan93OJI2VmHuJDkIsi2"
    "rBh4uw3GBK/rXH4CLjKJX9Oa+TYyYafmSdPzP1RTxK6xaG+N6j0Mor/KSlZg/B6Wc8M7mM0CJ4XcH3KtRaTKqe3zss1FyKZH"
    "G5tionj6rJIgzjjdUPmIKWE=";

inline constexpr const char* kEcCertificate =
    "MIIBlzCCAT2gAwIBAgIUYVKi5U/X0LqaaUmm27g3gq70KxMwCgYIKoZIzj0EAwIwITEfMB0GA1UEAwwWZnV6ei1lYy5zcC5l"
    "eGFtcGxlLmNvbTAeFw0yNjEyMDQxNjQyMDhaFw0zNjEyMDExNjQyMDhaMCExHzAdBgNVBAMMFmZ1enotZWMuc3AuZXhhbXBs"
    "ZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARjE85mdxV7799xSFFsduI6+3kPlSjO3OW8zeK0Sx46Dh0qx7sy1j18"
    "4Wb9E24najYlcbv6zXkO1GDgfMU+0rT9o1MwUTAdBgNVHQ4EFgQUEcUkyV0Efm8UzhhwU9QL5DETlLEwHwYDVR0jBBgwFoAU"
    "EcUkyV0Efm8UzhhwU9QL5DETlLEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA/m6jHDcsAiieC23JplOO"
    "Zsdj0x35NReiMRJzJmAYKmYCIC96qp8dZxv7TrxOIuJ5aj6y3Uxbw1cF4ylqIFTCSAFL";

}  // namespace gatehouse::saml::fuzzing
