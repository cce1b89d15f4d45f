#!/usr/bin/env python3
"""An OPC UA test server on asyncua: the peer of Sluice's OPC UA client tests and benches.

The tests and benches start it themselves, with the python that scripts/opcua-peers.sh prints:

    PY=$(scripts/opcua-peers.sh)
    "$PY" scripts/opcua_test_server.py --port 4841 --variables 300 --period 0.1

Address space (namespace 2, URI urn:sluice:test-server; string node ids):
    Objects/Cell                      ns=2;s=Cell
        Counter                       ns=2;s=Cell.Counter    UInt32, +1 each period, SourceTimestamp = now (UTC)
        Values/                       ns=2;s=Cell.Values     a folder
            Value0 … Value<N-1>       ns=2;s=Cell.Values.<i> Double, Float, Int32, UInt16, Int64, Boolean,
                                                             String, DateTime in turn; all change each period
    Objects/Sensor                    ns=2;s=Sensor
        Temp                          ns=2;s=Sensor.Temp     Double, with an EngineeringUnits property (°C)

Namespace 1 is the application URI (urn:sluice:test-server:app): asyncua always puts the application URI
at index 1, so it cannot also be the URI of namespace 2. The certificate names the application URI.

What asyncua decides, not this script: GetEndpoints works over SecurityPolicy None even with --security
secure (and asyncua does not refuse a session on such a channel either); Browse ignores
RequestedMaxReferencesPerNode (no continuation points: use the o6 peer for BrowseNext); user names are
accepted with the password in plain text on any endpoint, though with a certificate the None endpoint's
token policy asks for Basic256Sha256 encryption.

When it listens it prints one JSON line, {"ready": true, "endpoint": …, "namespace": 2, "variables": N, …},
and on SIGTERM or SIGINT it stops and prints {"stopped": true, "counter": <last value>}. Logs go to stderr.
"""
import argparse
import asyncio
import csv
import datetime
import json
import logging
import signal
import socket
import sys
from pathlib import Path

from asyncua import Server, ua
from asyncua.common.utils import ServiceError
from asyncua.crypto.permission_rules import User, UserRole
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NAMESPACE_URI = "urn:sluice:test-server"
APPLICATION_URI = "urn:sluice:test-server:app"
CELSIUS = ua.EUInformation(
    NamespaceUri="http://www.opcfoundation.org/UA/units/un/cefact",
    UnitId=4408652,
    DisplayName=ua.LocalizedText("°C"),
    Description=ua.LocalizedText("degree Celsius"),
)
SECURITY = {
    "none": [ua.SecurityPolicyType.NoSecurity],
    "secure": [
        ua.SecurityPolicyType.Basic256Sha256_Sign,
        ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
    ],
    "all": [
        ua.SecurityPolicyType.NoSecurity,
        ua.SecurityPolicyType.Basic256Sha256_Sign,
        ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
    ],
}
# Value<i> has TYPES[i % 8]; value(k, i) is its value at tick k.
TYPES = [
    ua.VariantType.Double, ua.VariantType.Float, ua.VariantType.Int32, ua.VariantType.UInt16,
    ua.VariantType.Int64, ua.VariantType.Boolean, ua.VariantType.String, ua.VariantType.DateTime,
]


def value(vtype, k, i, now):
    if vtype in (ua.VariantType.Double, ua.VariantType.Float):
        return (k % 1000) * 0.5 + i
    if vtype == ua.VariantType.Int32:
        return k - 1000 + i
    if vtype == ua.VariantType.UInt16:
        return (k + i) % 65536
    if vtype == ua.VariantType.Int64:
        return k * 1_000_000_007 + i
    if vtype == ua.VariantType.Boolean:
        return (k + i) % 2 == 0
    if vtype == ua.VariantType.String:
        return f"value {i} at tick {k}"
    return now


def ensure_certificate(directory: Path, application_uri: str, stem: str = "server"):
    """The server's certificate (DER) and key (PEM) in directory, made self-signed when missing."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / f"{stem}_cert.der", directory / f"{stem}_key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "Sluice test server"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sluice"),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    dns = ["localhost"] + ([socket.gethostname()] if socket.gethostname() != "localhost" else [])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(
            [x509.UniformResourceIdentifier(application_uri)] + [x509.DNSName(d) for d in dns]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=True, data_encipherment=True,
            key_agreement=False, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    return cert_path, key_path


class Users:
    """User name login for the --user pairs; anonymous sessions unless --no-anonymous (then also refused
    by the endpoints' token policies). A wrong password gives BadUserAccessDenied."""

    def __init__(self, users):
        self.users = users

    def get_user(self, iserver, username=None, password=None, certificate=None):
        if username is None:
            return User(role=UserRole.User)
        if self.users.get(username) == password:
            return User(role=UserRole.User, name=username)
        return None


def trust_folder_validator(folder: Path):
    """At CreateSession: trusts a client certificate when its exact DER is a file in folder (read each time),
    it is within its validity, and its SAN URI is the client's ApplicationUri (as open62541 checks)."""

    async def validate(cert, app_description):
        der = cert.public_bytes(serialization.Encoding.DER)
        now = datetime.datetime.now(datetime.timezone.utc)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise ServiceError(ua.StatusCodes.BadCertificateTimeInvalid)
        if not any(p.is_file() and p.read_bytes() == der for p in folder.iterdir()):
            raise ServiceError(ua.StatusCodes.BadCertificateUntrusted)
        try:
            uris = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
                x509.UniformResourceIdentifier)
        except x509.ExtensionNotFound:
            uris = []
        if app_description.ApplicationUri not in uris:
            raise ServiceError(ua.StatusCodes.BadCertificateUriInvalid)

    return validate


async def run(args):
    users = dict(u.split(":", 1) for u in args.user)
    server = Server(user_manager=Users(users))
    await server.init()
    endpoint = f"opc.tcp://{args.host}:{args.port}"
    server.set_endpoint(endpoint)
    server.set_server_name("Sluice test server (asyncua)")
    await server.set_application_uri(APPLICATION_URI)
    server.product_uri = "urn:sluice:test-server:asyncua"
    server.set_security_policy(SECURITY[args.security])
    tokens = [] if args.no_anonymous else [ua.AnonymousIdentityToken]
    if users:
        tokens.append(ua.UserNameIdentityToken)
    if not tokens:
        sys.exit("--no-anonymous needs at least one --user")
    server.set_identity_tokens(tokens)
    if args.security != "none":
        if not args.certificate_dir:
            sys.exit(f"--security {args.security} needs --certificate-dir")
        cert_path, key_path = ensure_certificate(Path(args.certificate_dir), APPLICATION_URI)
        await server.load_certificate(str(cert_path))
        await server.load_private_key(str(key_path))
    if args.trust_dir:
        Path(args.trust_dir).mkdir(parents=True, exist_ok=True)
        server.set_certificate_validator(trust_folder_validator(Path(args.trust_dir)))

    ns = await server.register_namespace(NAMESPACE_URI)
    objects = server.nodes.objects
    cell = await objects.add_object(ua.NodeId("Cell", ns), ua.QualifiedName("Cell", ns))
    counter = await cell.add_variable(
        ua.NodeId("Cell.Counter", ns), ua.QualifiedName("Counter", ns), 0, ua.VariantType.UInt32)
    values = await cell.add_folder(ua.NodeId("Cell.Values", ns), ua.QualifiedName("Values", ns))
    now = datetime.datetime.now(datetime.timezone.utc)
    variables = []
    for i in range(args.variables):
        vtype = TYPES[i % len(TYPES)]
        node = await values.add_variable(
            ua.NodeId(f"Cell.Values.{i}", ns), ua.QualifiedName(f"Value{i}", ns), value(vtype, 0, i, now), vtype)
        variables.append((node.nodeid, vtype, i))
    sensor = await objects.add_object(ua.NodeId("Sensor", ns), ua.QualifiedName("Sensor", ns))
    temp = await sensor.add_variable(
        ua.NodeId("Sensor.Temp", ns), ua.QualifiedName("Temp", ns), 21.5, ua.VariantType.Double)
    await temp.add_property(
        ua.NodeId("Sensor.Temp.EngineeringUnits", ns), ua.QualifiedName("EngineeringUnits", 0), CELSIUS,
        ua.VariantType.ExtensionObject, datatype=ua.NodeId(ua.ObjectIds.EUInformation))

    # --cell-csv: one object per asset with a Double per sensor, replaying the file's rows in turn (a PLC
    # in front of the simulated cell, for `sluice demo --opcua`).
    cell_rows, cell_nodes = {}, {}
    if args.cell_csv:
        with open(args.cell_csv, newline="") as f:
            reader = csv.DictReader(f)
            sensors = [c for c in reader.fieldnames if c not in ("time", "asset", "anomaly", "fault_kind")]
            for row in reader:
                cell_rows.setdefault(row["asset"], []).append(row)
        for asset in cell_rows:
            obj = await objects.add_object(ua.NodeId(asset, ns), ua.QualifiedName(asset, ns))
            for sensor in sensors:
                cell_nodes[(asset, sensor)] = (await obj.add_variable(
                    ua.NodeId(f"{asset}.{sensor}", ns), ua.QualifiedName(sensor, ns), 0.0, ua.VariantType.Double)).nodeid

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    tick = 0
    async with server:
        print(json.dumps({"ready": True, "endpoint": endpoint, "namespace": ns, "variables": args.variables,
                          "namespaceUri": NAMESPACE_URI, "applicationUri": APPLICATION_URI,
                          "security": args.security}), flush=True)
        next_at = loop.time()
        while not stop.is_set():
            next_at += args.period
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, next_at - loop.time()))
                break
            except asyncio.TimeoutError:
                pass
            tick += 1
            now = datetime.datetime.now(datetime.timezone.utc)
            await server.write_attribute_value(counter.nodeid, ua.DataValue(
                ua.Variant(tick, ua.VariantType.UInt32), SourceTimestamp=now, ServerTimestamp=now))
            await server.write_attribute_value(temp.nodeid, ua.DataValue(
                ua.Variant(21.5 + (tick % 100) / 10, ua.VariantType.Double), SourceTimestamp=now, ServerTimestamp=now))
            for nodeid, vtype, i in variables:
                await server.write_attribute_value(nodeid, ua.DataValue(
                    ua.Variant(value(vtype, tick, i, now), vtype), SourceTimestamp=now, ServerTimestamp=now))
            for asset, rows in cell_rows.items():
                row = rows[(tick - 1) % len(rows)]
                for (owner, sensor), nodeid in cell_nodes.items():
                    if owner == asset:
                        await server.write_attribute_value(nodeid, ua.DataValue(
                            ua.Variant(float(row[sensor]), ua.VariantType.Double), SourceTimestamp=now, ServerTimestamp=now))
    print(json.dumps({"stopped": True, "counter": tick}), flush=True)


def main():
    parser = argparse.ArgumentParser(
        description="OPC UA test server (asyncua) for Sluice's OPC UA client tests and benches. "
        "Prints one JSON line when ready and one when stopped (SIGTERM/SIGINT).")
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--variables", type=int, default=300, help="number of Cell.Values.<i> variables (300)")
    parser.add_argument("--period", type=float, default=0.1, help="seconds between value changes (0.1)")
    parser.add_argument("--security", choices=sorted(SECURITY), default="none",
                        help="none: SecurityPolicy None only; secure: Basic256Sha256 Sign and SignAndEncrypt; "
                        "all: both (default none)")
    parser.add_argument("--certificate-dir", help="where server_cert.der and server_key.pem are (made if missing)")
    parser.add_argument("--trust-dir", help="trust only client certificates whose DER file is in this folder "
                        "(default: accept any client certificate)")
    parser.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD",
                        help="enable user name login with this user (repeatable)")
    parser.add_argument("--no-anonymous", action="store_true", help="refuse anonymous sessions")
    parser.add_argument("--verbose", action="store_true", help="asyncua's INFO logs on stderr")
    parser.add_argument("--cell-csv", help="telemetry CSV (time, asset, sensors…) to serve as ns=2;s=<asset>.<sensor>, "
                        "one row per asset every --period")
    args = parser.parse_args()
    if any(":" not in u for u in args.user):
        parser.error("--user takes NAME:PASSWORD")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, stream=sys.stderr)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
