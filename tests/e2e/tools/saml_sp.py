#!/usr/bin/python3
"""A scripted SAML service provider on pysaml2 (Debian's python3-pysaml2), for the e2e tests:
an independent implementation checks what Gatehouse's IdP sends. One command per run, its
answer as JSON on stdout (metadata as XML). Options come as one JSON object (argv[2]):
  entity_id, acs_url, key_file, cert_file, idp_metadata (a file), sign_requests (bool),
  want_response_signed (bool), encrypt_key_file / encrypt_cert_file (for encrypted assertions).
Commands:
  metadata                       the SP's metadata (XML)
  request  {binding}             an AuthnRequest: {"id", "url"} (redirect) or {"id", "action", "fields"} (post)
  artifact {artifact, request_id, soap_url}
                                 the artifact resolved at the IdP (a signed ArtifactResolve over SOAP)
                                 and the Response inside checked as for "response"
  response {saml_response, request_id, binding}
                                 the Response checked by pysaml2: {"nameid", "format", "attributes",
                                 "session_index", "authn_class"}, or exits 2 with the reason
"""
import base64
import json
import re
import sys

from saml2 import BINDING_HTTP_ARTIFACT, BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string

XMLSEC = "/usr/bin/xmlsec1"


def client(o):
    acs = [(o["acs_url"], BINDING_HTTP_POST)]
    if o.get("artifact_url"):
        acs.append((o["artifact_url"], BINDING_HTTP_ARTIFACT))
    conf = {
        "entityid": o["entity_id"],
        "xmlsec_binary": XMLSEC,
        "key_file": o["key_file"],
        "cert_file": o["cert_file"],
        "service": {
            "sp": {
                "endpoints": {"assertion_consumer_service": acs},
                "authn_requests_signed": bool(o.get("sign_requests")),
                "want_assertions_signed": True,
                "want_response_signed": bool(o.get("want_response_signed")),
                "allow_unsolicited": bool(o.get("allow_unsolicited")),
                "name_id_format": o.get("nameid_format", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"),
            }
        },
        "accepted_time_diff": 60,
    }
    if o.get("idp_metadata"):
        conf["metadata"] = {"local": [o["idp_metadata"]]}
    if o.get("encrypt_key_file"):
        conf["encryption_keypairs"] = [{"key_file": o["encrypt_key_file"], "cert_file": o["encrypt_cert_file"]}]
    config = SPConfig()
    config.load(conf)
    return Saml2Client(config=config), config


def main():
    command, options = sys.argv[1], json.loads(sys.argv[2])
    sp, config = client(options)
    if command == "metadata":
        print(create_metadata_string(None, config=config, valid=24).decode())
        return 0
    if command == "request":
        binding = BINDING_HTTP_POST if options.get("binding") == "post" else BINDING_HTTP_REDIRECT
        sign = bool(options.get("sign_requests"))
        extra = {k: "true" for k in ("force_authn", "is_passive") if options.get(k)}
        if options.get("response_binding") == "artifact":
            extra["response_binding"] = BINDING_HTTP_ARTIFACT
        req_id, info = sp.prepare_for_authenticate(
            binding=binding, relay_state=options.get("relay_state", "rs-1"), sign=sign,
            sigalg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" if sign else None,
            digest_alg="http://www.w3.org/2001/04/xmlenc#sha256" if sign else None,
            nameid_format=options.get("nameid_format"), **extra)
        out = {"id": req_id}
        if binding == BINDING_HTTP_REDIRECT:
            out["url"] = dict(info["headers"])["Location"]
        else:
            out["action"] = info["url"]
            out["fields"] = {"SAMLRequest": info["data"]["SAMLRequest"] if isinstance(info["data"], dict) else None}
            out["html"] = info["data"] if isinstance(info["data"], str) else None
        print(json.dumps(out))
        return 0
    if command == "artifact":
        if options.get("soap_url"):  # the SOAP call to this node, the messages still naming the public URL
            send = sp.send_using_soap
            sp.send_using_soap = lambda request, destination, *a, **kw: send(request, options["soap_url"], *a, **kw)
        answer = sp.artifact2message(options["artifact"], "idpsso", sign=True,
                                     sign_alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                                     digest_alg="http://www.w3.org/2001/04/xmlenc#sha256")
        found = re.search(r"<samlp:Response .*</samlp:Response>", answer.text, re.S)
        if answer.status_code != 200 or not found:
            print(json.dumps({"error": "no Response in the ArtifactResponse (HTTP %d)" % answer.status_code}))
            return 2
        options["saml_response"] = base64.b64encode(found.group(0).encode()).decode()
        command = "response"
        # The Response names the artifact consumer as its Destination: check it against that one.
        sp, config = client({**options, "acs_url": options["artifact_url"], "artifact_url": None})
    if command == "response":
        outstanding = {options["request_id"]: "/"} if options.get("request_id") else {}
        try:
            r = sp.parse_authn_request_response(options["saml_response"], BINDING_HTTP_POST, outstanding)
        except Exception as e:  # pysaml2 raises many kinds; the test prints the reason
            print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
            return 2
        if r is None:
            print(json.dumps({"error": "no response"}))
            return 2
        subject = r.get_subject()
        authn = r.authn_info()
        print(json.dumps({
            "nameid": subject.text,
            "format": subject.format,
            "attributes": r.ava,
            "session_index": r.assertion.authn_statement[0].session_index if r.assertion.authn_statement else None,
            "authn_class": authn[0][0] if authn else None,
            "in_response_to": r.in_response_to,
        }))
        return 0
    print(json.dumps({"error": "unknown command " + command}))
    return 64


if __name__ == "__main__":
    sys.exit(main())
