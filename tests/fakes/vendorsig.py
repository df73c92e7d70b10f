"""vendorsig.py — the vendors' callback signatures in Python (CONTRACTS.md §1.8, §2.6).

The same algorithms as src/providers/http/twilio.c and vonage.c, written independently from
the contract text so the fakes sign callbacks like the real vendors and test_fakes.py can
cross-check the C code's vectors.
"""
import base64
import hashlib
import hmac
import urllib.parse


def twilio_signature(token, url, params):
    """Base64(HMAC-SHA1(token, url + name+value for params sorted by name then value)).

    params: list of (name, value) pairs of the POST form (decoded); repeated names allowed.
    """
    data = url
    seen = set()
    for name, value in sorted(params):
        if (name, value) in seen:
            continue
        seen.add((name, value))
        data += name + value
    mac = hmac.new(token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def twilio_url_variants(url):
    """The URL as given, without its port, and with the default port added (§1.8 step 4)."""
    p = urllib.parse.urlsplit(url)
    out = [url]
    host = p.hostname or ""
    if p.port is not None:
        out.append(urllib.parse.urlunsplit((p.scheme, host, p.path, p.query, p.fragment)))
    else:
        port = 443 if p.scheme == "https" else 80
        out.append(urllib.parse.urlunsplit(
            (p.scheme, "%s:%d" % (host, port), p.path, p.query, p.fragment)))
    return out


def vonage_signature(method, secret, params):
    """Vonage `sig` of params (dict) minus `sig` (§2.6). method: md5hash, md5, sha1, sha256,
    sha512. md5hash is lower-case hex of md5(base + secret); the others upper-case HMAC hex."""
    items = {k: str(v).replace("&", "_").replace("=", "_")
             for k, v in params.items() if k != "sig"}
    base = "".join("&%s=%s" % (k, items[k]) for k in sorted(items))
    if method == "md5hash":
        return hashlib.md5((base + secret).encode("utf-8")).hexdigest()
    alg = {"md5": hashlib.md5, "sha1": hashlib.sha1, "sha256": hashlib.sha256,
           "sha512": hashlib.sha512}[method]
    return hmac.new(secret.encode(), base.encode("utf-8"), alg).hexdigest().upper()
