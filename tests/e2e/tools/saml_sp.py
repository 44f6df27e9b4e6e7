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
Single logout (the SP's SLO endpoints from "slo": [[url, "soap"|"redirect"|"post"], ...]):
  logout_request {binding, name_id: {text, format, name_qualifier, sp_name_qualifier},
                  session_index, sign (default true), relay_state}
                                 a LogoutRequest to the IdP's SLO endpoint of that binding (from its
                                 metadata): {"id", "url"} (redirect), {"id", "action", "html"} (post),
                                 {"id", "url", "envelope"} (soap: the SOAP envelope to post)
  logout_response {binding, message, request_id}
                                 the IdP's LogoutResponse checked (its signature against the IdP
                                 metadata: enveloped, or the Redirect query's; Destination,
                                 InResponseTo): {"status", "second_status", "in_response_to",
                                 "issuer"}; message is the SOAP envelope, the SAMLResponse (post) or
                                 the whole URL (redirect)
  idp_logout_request {binding, message, respond_binding, respond_status}
                                 a LogoutRequest from the IdP checked as above (message: the SOAP
                                 envelope or the whole Redirect URL): {"id", "issuer", "name_id",
                                 "format", "session_indexes", "destination"}; with respond_binding
                                 ("redirect"), also the signed LogoutResponse (Success) to the IdP:
                                 "response_url"
"""
import base64
import json
import re
import sys

from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_ARTIFACT, BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.pack import make_soap_enveloped_saml_thingy
from saml2.s_utils import decode_base64_and_inflate, status_message_factory
from saml2.saml import NameID
from saml2.samlp import STATUS_SUCCESS, logout_response_from_string
from saml2.sigver import verify_redirect_signature

XMLSEC = "/usr/bin/xmlsec1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
BINDINGS = {"soap": BINDING_SOAP, "redirect": BINDING_HTTP_REDIRECT, "post": BINDING_HTTP_POST}


class Refused(Exception):
    """The message was not acceptable: the tool exits 2 with the reason."""


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
                "endpoints": {"assertion_consumer_service": acs,
                              "single_logout_service": [(url, BINDINGS[b]) for url, b in o.get("slo", [])]},
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
            "name_qualifier": subject.name_qualifier,
            "sp_name_qualifier": subject.sp_name_qualifier,
            "authn_class": authn[0][0] if authn else None,
            "in_response_to": r.in_response_to,
        }))
        return 0
    if command in LOGOUT_COMMANDS:
        try:
            print(json.dumps(LOGOUT_COMMANDS[command](sp, options)))
        except Exception as e:  # pysaml2 raises many kinds; the test prints the reason
            print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
            return 2
        return 0
    print(json.dumps({"error": "unknown command " + command}))
    return 64


def idp_entity_id(sp):
    return next(iter(sp.metadata.identity_providers()))


def idp_slo_location(sp, binding):
    services = sp.metadata.single_logout_service(idp_entity_id(sp), binding, "idpsso")
    if isinstance(services, dict):
        services = services.get(binding, [])
    if not services:
        raise Refused("the IdP metadata lists no SingleLogoutService for " + binding)
    return services[0]["location"]


def check_redirect_signature(sp, url):
    """The detached signature of a Redirect message, against the IdP's signing keys in its metadata."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    if "Signature" not in query or "SigAlg" not in query:
        raise Refused("the Redirect message is not signed")
    certs = sp.metadata.certs(idp_entity_id(sp), "idpsso", "signing")
    if not any(verify_redirect_signature(query, sp.sec.sec_backend, cert=c) for c in certs):
        raise Refused("the Redirect signature does not verify with the IdP's keys")
    return query


def logout_request(sp, o):
    """A LogoutRequest to the IdP, signed (enveloped for SOAP and POST, detached for Redirect)."""
    binding = BINDINGS[o.get("binding", "soap")]
    sign = o.get("sign", True)
    n = o["name_id"]
    name_id = NameID(text=n["text"], format=n.get("format"), name_qualifier=n.get("name_qualifier"),
                     sp_name_qualifier=n.get("sp_name_qualifier"))
    destination = idp_slo_location(sp, binding)
    req_id, request = sp.create_logout_request(
        destination, idp_entity_id(sp), name_id=name_id,
        session_indexes=[o["session_index"]] if o.get("session_index") else None,
        sign=sign and binding != BINDING_HTTP_REDIRECT, sign_alg=RSA_SHA256, digest_alg=SHA256)
    if binding == BINDING_SOAP:
        return {"id": req_id, "url": destination, "envelope": make_soap_enveloped_saml_thingy(str(request))}
    info = sp.apply_binding(binding, str(request), destination, o.get("relay_state", "slo-1"),
                            sign=sign and binding == BINDING_HTTP_REDIRECT, sigalg=RSA_SHA256)
    if binding == BINDING_HTTP_REDIRECT:
        return {"id": req_id, "url": dict(info["headers"])["Location"]}
    return {"id": req_id, "action": destination, "html": info["data"]}


def soap_body_element(envelope, name):
    """The SAML element `name` in a SOAP envelope, as the bytes that came. (pysaml2's own SOAP
    unwrapping re-serializes it with new namespace prefixes, ns0:..., which no signature survives.)"""
    found = re.search(r"<(?:([A-Za-z_][\w.-]*):)?%s[\s>].*</(?:\1:)?%s>" % (name, name), envelope, re.S)
    if not found:
        raise Refused("no %s in the SOAP body" % name)
    return found.group(0)


def unwrap(sp, o, name):
    """The message `name` as XML, its signature checked against the IdP's metadata (enveloped for
    SOAP and POST, the query's for Redirect; pysaml2 itself only checks one that is there), and the
    Redirect RelayState."""
    binding = BINDINGS[o["binding"]]
    if binding == BINDING_HTTP_REDIRECT:
        query = check_redirect_signature(sp, o["message"])
        parameter = "SAMLResponse" if name == "LogoutResponse" else "SAMLRequest"
        return decode_base64_and_inflate(query[parameter]).decode(), query.get("RelayState", "")
    xml = soap_body_element(o["message"], name) if binding == BINDING_SOAP else base64.b64decode(o["message"]).decode()
    check = sp.sec.correctly_signed_logout_response if name == "LogoutResponse" else sp.sec.correctly_signed_logout_request
    check(xml, must=True)
    return xml, ""


def logout_response(sp, o):
    """The IdP's LogoutResponse, which must be signed, checked by pysaml2 (a Success one through its
    whole response path: Version, IssueInstant, Destination, InResponseTo)."""
    xml, _ = unwrap(sp, o, "LogoutResponse")
    message = logout_response_from_string(xml)
    code = message.status.status_code
    if code.value == STATUS_SUCCESS:
        r = sp.parse_logout_request_response(base64.b64encode(xml.encode()).decode(), BINDING_HTTP_POST)
        if r is None:
            raise Refused("pysaml2 did not accept the LogoutResponse")
    if o.get("request_id") and message.in_response_to != o["request_id"]:
        raise Refused("InResponseTo %s, not %s" % (message.in_response_to, o["request_id"]))
    return {"status": code.value, "second_status": code.status_code.value if code.status_code else None,
            "in_response_to": message.in_response_to, "issuer": message.issuer.text, "destination": message.destination}


def idp_logout_request(sp, o):
    """A LogoutRequest the IdP sent to this SP, checked; optionally answered (signed, Redirect)."""
    xml, relay_state = unwrap(sp, o, "LogoutRequest")
    req = sp.parse_logout_request(base64.b64encode(xml.encode()).decode(), BINDING_HTTP_POST)
    if req is None:
        raise Refused("pysaml2 did not accept the LogoutRequest")
    m = req.message
    out = {"id": m.id, "issuer": m.issuer.text, "name_id": m.name_id.text, "format": m.name_id.format,
           "name_qualifier": m.name_id.name_qualifier, "sp_name_qualifier": m.name_id.sp_name_qualifier,
           "session_indexes": [i.text for i in m.session_index], "destination": m.destination,
           "relay_state": relay_state}
    if o.get("respond_binding"):
        respond = BINDINGS[o["respond_binding"]]
        # respond_status: answer with that status instead of Success (an SP that could not log out).
        status = status_message_factory("not logged out", o["respond_status"]) if o.get("respond_status") else None
        response = sp.create_logout_response(m, bindings=[respond], status=status, sign=respond != BINDING_HTTP_REDIRECT,
                                             sign_alg=RSA_SHA256, digest_alg=SHA256)
        info = sp.apply_binding(respond, str(response), idp_slo_location(sp, respond), relay_state,
                                response=True, sign=respond == BINDING_HTTP_REDIRECT, sigalg=RSA_SHA256)
        out["response_url"] = dict(info["headers"])["Location"] if respond == BINDING_HTTP_REDIRECT else None
    return out


LOGOUT_COMMANDS = {"logout_request": logout_request, "logout_response": logout_response,
                   "idp_logout_request": idp_logout_request}


if __name__ == "__main__":
    sys.exit(main())
