#!/usr/bin/env python3
"""An OPC UA test server on o6 (open62541 in a wheel): the second peer of Sluice's OPC UA client tests and
benches, a C server stack beside asyncua's pure Python one (scripts/opcua_test_server.py).

The tests and benches start it themselves, with the python that scripts/opcua-peers.sh prints:

    PY=$(scripts/opcua-peers.sh)
    "$PY" scripts/o6_test_server.py --port 4842 --variables 300 --period 0.1

The address space is the one of opcua_test_server.py: namespace 2 is urn:sluice:test-server (namespace 1 is
the application URI, urn:sluice:test-server:app), with string node ids
    ns=2;s=Cell (Objects/Cell), ns=2;s=Cell.Counter (UInt32, +1 each period, SourceTimestamp = now in UTC),
    ns=2;s=Cell.Values (folder), ns=2;s=Cell.Values.<i> (Value<i>: Double, Float, Int32, UInt16, Int64,
    Boolean, String, DateTime in turn), ns=2;s=Sensor and ns=2;s=Sensor.Temp (Double, EngineeringUnits °C).

What o6 (open62541) decides, not this script:
  - With a certificate it offers every RSA policy it has, each with Sign and SignAndEncrypt, not only
    Basic256Sha256: `secure` (o6's secureOnly) = Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss;
    `all` = those and None. (Its ECC policies fail to load with an RSA certificate: warnings on stderr.)
    With `secure` even GetEndpoints over SecurityPolicy None is refused (BadSecurityPolicyRejected): a client
    needs the server certificate beforehand, <certificate-dir>/server_cert.der.
  - Without --trust-dir every client certificate is accepted; with it, only the DER certificates in that
    folder (read at start). An untrusted certificate fails OpenSecureChannel with BadSecurityChecksFailed.
    Either way the client certificate's SAN URI must be the client's ApplicationUri (CreateSession).
  - User names: on the None endpoint of `none` the password goes in plain text; when the server has a
    certificate the None endpoint's user token policy asks for it encrypted with Basic256Sha256, and a
    plain-text one is refused (BadIdentityTokenInvalid). A wrong password gives BadUserAccessDenied.
  - It listens on all IPv4 interfaces whatever --host says (o6 does not expose the listen address).
  - o6 without a license runs in "script mode": 600 s after import it prints "Trial period ended" on stderr
    and exits with status 1, with no cleanup. So this script stops by itself cleanly 590 s after import,
    printing {"stopped": true, "counter": …, "reason": "o6 script mode"}. Keep each run shorter than that.
  - o6 prints a banner on stdout when imported and when a server starts; this script sends the library's
    stdout to stderr, so stdout carries only the two JSON lines.
  - Namespace 2 is registered through o6.ns.register plus the __NAMESPACES__ attribute that
    server.ns.append expects (o6 has no plain "add namespace URI" call).

When it listens it prints one JSON line, {"ready": true, "endpoint": …, "namespace": 2, "variables": N, …},
and on SIGTERM or SIGINT it stops and prints {"stopped": true, "counter": <last value>}.
"""
import argparse
import asyncio
import datetime
import json
import os
import signal
import sys
import time
from pathlib import Path


def parse_args():
    parser = argparse.ArgumentParser(
        description="OPC UA test server (o6, open62541) for Sluice's OPC UA client tests and benches. "
        "Prints one JSON line when ready and one when stopped (SIGTERM/SIGINT). Unlicensed o6 stops "
        "by itself after 590 s (o6 script mode).")
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on (all interfaces)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="host name put in the printed endpoint (o6 listens on all interfaces)")
    parser.add_argument("--variables", type=int, default=300, help="number of Cell.Values.<i> variables (300)")
    parser.add_argument("--period", type=float, default=0.1, help="seconds between value changes (0.1)")
    parser.add_argument("--security", choices=["none", "secure", "all"], default="none",
                        help="none: SecurityPolicy None only; secure: open62541's secure policies only "
                        "(Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss); all: those and None "
                        "(default none)")
    parser.add_argument("--certificate-dir", help="where server_cert.der and server_key.pem are (made if missing)")
    parser.add_argument("--trust-dir", help="trust only the client certificates (DER) in this folder, read at "
                        "start (default: accept any client certificate)")
    parser.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD",
                        help="enable user name login with this user (repeatable)")
    parser.add_argument("--no-anonymous", action="store_true", help="refuse anonymous sessions")
    args = parser.parse_args()
    if any(":" not in u for u in args.user):
        parser.error("--user takes NAME:PASSWORD")
    return args


# The command line is read before o6 is imported, so that --help and its errors print as usual.
ARGS = parse_args() if __name__ == "__main__" else None

# o6 writes its banner straight to file descriptor 1: keep the real stdout for the JSON lines only.
_json_out = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

LIMIT = time.monotonic() + 590  # o6 script mode ends the process 600 s after import
import o6  # noqa: E402
import o6.ns.ns0 as ns0  # noqa: E402

NAMESPACE_URI = "urn:sluice:test-server"
APPLICATION_URI = "urn:sluice:test-server:app"
# Value<i> has TYPES[i % 8]: (o6 type, value at tick k).
TYPES = [
    (o6.Double, lambda k, i, now: (k % 1000) * 0.5 + i),
    (o6.Float, lambda k, i, now: (k % 1000) * 0.5 + i),
    (o6.Int32, lambda k, i, now: k - 1000 + i),
    (o6.UInt16, lambda k, i, now: (k + i) % 65536),
    (o6.Int64, lambda k, i, now: k * 1_000_000_007 + i),
    (o6.Boolean, lambda k, i, now: (k + i) % 2 == 0),
    (o6.String, lambda k, i, now: f"value {i} at tick {k}"),
    (o6.DateTime, lambda k, i, now: now),
]


def emit(obj):
    _json_out.write(json.dumps(obj) + "\n")
    _json_out.flush()


def node(name):
    return o6.NodeId(f"nsu={NAMESPACE_URI};s={name}")


class Users(o6.AccessControl):
    """User name login for the --user pairs; a wrong name or password gives BadUserAccessDenied."""

    def __init__(self, users, anonymous):
        super().__init__(anonymous=anonymous, username=bool(users))
        self.users = users
        self.anonymous = anonymous

    def activateSession(self, endpoint, remoteCertificate, session, userIdentityToken):
        name = getattr(userIdentityToken, "userName", None)
        if name is None:
            if self.anonymous:
                return None
            raise o6.StatusCodeError(o6.StatusCode.BAD_IDENTITY_TOKEN_REJECTED)
        password = getattr(userIdentityToken, "password", b"")
        if isinstance(password, (bytes, bytearray)):
            password = bytes(password).decode("utf-8", "replace")
        if self.users.get(name) != password:
            raise o6.StatusCodeError(o6.StatusCode.BAD_USER_ACCESS_DENIED)
        return name


async def run(args):
    users = dict(u.split(":", 1) for u in args.user)
    if args.no_anonymous and not users:
        sys.exit("--no-anonymous needs at least one --user")
    options = {"applicationUri": APPLICATION_URI}
    if users or args.no_anonymous:
        options["accessControl"] = Users(users, anonymous=not args.no_anonymous)
        options["allowNonePolicyPassword"] = args.security == "none"
    if args.security != "none":
        if not args.certificate_dir:
            sys.exit(f"--security {args.security} needs --certificate-dir")
        sys.dont_write_bytecode = True  # no __pycache__ in scripts/
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from opcua_test_server import ensure_certificate  # the same self-signed certificate maker

        cert_path, key_path = ensure_certificate(Path(args.certificate_dir), APPLICATION_URI)
        options.update(certificate=cert_path.read_bytes(), privateKey=key_path.read_bytes(),
                       secureOnly=args.security == "secure")
        if args.trust_dir:
            Path(args.trust_dir).mkdir(parents=True, exist_ok=True)
            trusted = [p.read_bytes() for p in sorted(Path(args.trust_dir).iterdir()) if p.is_file()]
            options["trustList"] = trusted
        else:
            options["acceptAllCertificates"] = True

    namespace = o6.ns.register("sluice_test", NAMESPACE_URI)
    namespace.__NAMESPACES__ = {namespace}  # what server.ns.append expects of a namespace module

    server = o6.Server(args.port, **options)
    async with server:
        server.ns.append(namespace)
        ns = list(await server.read(2255)).index(NAMESPACE_URI)  # Server.NamespaceArray
        component = ns0.reftypes.HasComponent  # as asyncua links children; Objects organizes Cell and Sensor
        cell = await server.addObject("Cell", server.objectsNode, nodeId=node("Cell"), ns=ns)
        counter = await server.addVariable("Counter", cell, o6.UInt32(0), nodeId=node("Cell.Counter"), ns=ns,
                                           parentReference=component, writable=False)
        values = await server.addObject("Values", cell, nodeId=node("Cell.Values"), ns=ns,
                                        typeDefinition=ns0.objtypes.FolderType, parentReference=component)
        now = datetime.datetime.now(datetime.timezone.utc)
        variables = []
        for i in range(args.variables):
            kind, make = TYPES[i % len(TYPES)]
            nid = node(f"Cell.Values.{i}")
            await server.addVariable(f"Value{i}", values, kind(make(0, i, now)), nodeId=nid, ns=ns,
                                     parentReference=component, writable=False)
            variables.append((nid, kind, make, i))
        sensor = await server.addObject("Sensor", server.objectsNode, nodeId=node("Sensor"), ns=ns)
        temp = await server.addVariable("Temp", sensor, o6.Double(21.5), nodeId=node("Sensor.Temp"), ns=ns,
                                        parentReference=component, writable=False)
        units = ns0.datatypes.EUInformation(
            namespaceUri="http://www.opcfoundation.org/UA/units/un/cefact", unitId=4408652,
            displayName=o6.LocalizedText("°C"), description=o6.LocalizedText("degree Celsius"))
        await server.addVariable("EngineeringUnits", temp, units, nodeId=node("Sensor.Temp.EngineeringUnits"),
                                 ns=0, typeDefinition=ns0.vartypes.PropertyType,
                                 parentReference=ns0.reftypes.HasProperty, writable=False)

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        endpoint = f"opc.tcp://{args.host}:{args.port}"
        emit({"ready": True, "endpoint": endpoint, "namespace": ns, "variables": args.variables,
              "namespaceUri": NAMESPACE_URI, "applicationUri": APPLICATION_URI, "security": args.security})

        tick = 0
        reason = None
        next_at = loop.time()
        while not stop.is_set():
            next_at += args.period
            if time.monotonic() >= LIMIT:
                reason = "o6 script mode"
                break
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, next_at - loop.time()))
                break
            except asyncio.TimeoutError:
                pass
            tick += 1
            now = datetime.datetime.now(datetime.timezone.utc)
            batch = {
                counter: o6.DataValue(o6.UInt32(tick), sourceTimestamp=now),
                temp: o6.DataValue(o6.Double(21.5 + (tick % 100) / 10), sourceTimestamp=now),
            }
            for nid, kind, make, i in variables:
                batch[nid] = o6.DataValue(kind(make(tick, i, now)), sourceTimestamp=now)
            await server.write(batch)
    emit({"stopped": True, "counter": tick, **({"reason": reason} if reason else {})})


if __name__ == "__main__":
    asyncio.run(run(ARGS))
