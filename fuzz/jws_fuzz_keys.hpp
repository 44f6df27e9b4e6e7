#pragma once
// The keys fuzz/jws_fuzz.cpp trusts, written by fuzz/corpus/make-jws-seeds with the signed
// seeds: the RSA public key as a JWK (its private key was thrown away) and the EC P-256
// private key (PKCS#8 DER, base64url), which the target signs its 'S' inputs with. A test
// key only: it protects nothing.

namespace gatehouse::fuzzing {

inline constexpr const char* kRsaPublicJwk =
    "{\"kty\":\"RSA\",\"n\":\"0MsvYj-bSCQ37ngG7BBGUYBzC79KsWcCn0Wtd-49rPNoR-t3BuSW1iKzYWsPNpamhgBLikTGzvsSlY"
    "CuFbk8bvJ6M1F7Anbk7jBDMohR3jk7CXE67zpAr2Di-oblXiSlJ1-QAU1WbGEylL5OSk2smFgDcFIvP1zYiHCegp8AHCN4x_"
    "-AnCv8S2MeAuDHqa0rpUsUEhveKCkmNV0KmyB5GHwNsqxUtj1tCISlqnm_THf83veS7Jl4DCiD5eUYNUxL-umh7YxFbpibic"
    "N2nDctPiaZyTNCj4c8Gft-oNp8RJhDNP0KUaQ1NKkQuCt45Fk8gCS_XqhryyVIE4QXw7qgMQ\",\"e\":\"AQAB\"}";

inline constexpr const char* kEcPkcs8 =
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgwrF28yprJSAu4BL7EdYXefYlQlOW4XvVSux6C86nblqhRANC"
    "AAR-6Lai4gPnYc9ZEgjVz-9ZQMv8z_IFDPqS-47tMAQjTbCQLGRGTbWuZYM3lkFc059NJKc9A6cVo5LhSu1FYm5o";

}  // namespace gatehouse::fuzzing
