"""``jjj verify FILE``: check a report offline — the broker's signature and every region's part — with nothing but
the file and the published keys.

FILE is the report's compact JWS (``GET /v1/reports/{no}/jws``: payload = the canonical JSON), its JSON (give the
JWS with ``--jws`` to check the broker's signature too), or its PDF (the JSON attached inside; the PAdES signature
is checked against ``--pdf-ca``). Keys, as files: ``--jwks`` (the broker's ``/.well-known/jwks.json``) and ``--ca``
(the federation CA certificate, which every region's answer-signing certificate chains to).

One line per check; a region whose part fails is named with the reason. Exit 0 when every check made passed,
1 when one failed, 2 for a bad command line. A report with a region that did not answer is stated incomplete
(never a certificate) — that is what it says, not a failed check.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from adapters.answer_verify import AnswerVerifier
from broker.reports.signing import InvalidReportSignature, verify_report_with_jwks
from broker.verify.report_check import NotAReport, RegionCheck, check_regions, pdf_report_json

_PDF = b"%PDF-"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("verify", help="check a report's broker and region signatures offline")
    parser.add_argument("file", type=Path, metavar="FILE", help="the report: .jws, .json or .pdf")
    parser.add_argument("--ca", type=Path, required=True, help="the federation CA certificate (PEM)")
    parser.add_argument("--jwks", type=Path, help="the broker's JWKS (/.well-known/jwks.json)")
    parser.add_argument("--jws", type=Path, help="the report's JWS, to check the broker's signature of a .json")
    parser.add_argument("--pdf-ca", type=Path, help="the CA of the broker's PDF signing certificate (PEM)")
    parser.set_defaults(func=lambda args: run(args, sys.stdout))


def _broker_check(args: argparse.Namespace, data: bytes, out: TextIO) -> tuple[bytes, bool]:
    """The report's JSON and whether the broker's signature (where one was given) verified."""
    if data.startswith(_PDF):
        ok = True
        if args.pdf_ca is None:
            print("broker: PDF signature not checked (give --pdf-ca)", file=out)
        else:
            from broker.pdf.sign import check_pdf_signature

            result = check_pdf_signature(data, args.pdf_ca)
            ok = result.ok
            print(f"broker: PDF signature {'valid' if ok else 'INVALID'} ({result.signer or result.error})", file=out)
        return pdf_report_json(data), ok
    token = data if data.lstrip()[:2] == b"ey" else (args.jws.read_bytes() if args.jws else None)
    if token is None:
        print("broker: signature not checked (verify the .jws, or give --jws)", file=out)
        return data, True
    if args.jwks is None:
        raise ValueError("--jwks: the broker's public keys are needed to check its signature")
    try:
        verified = verify_report_with_jwks(token, json.loads(args.jwks.read_bytes()))
    except InvalidReportSignature as exc:
        print(f"broker: signature INVALID ({exc})", file=out)
        return (data if token is not data else b""), False
    if token is not data and verified.payload != data:
        print("broker: signature INVALID (the JWS signs another document than FILE)", file=out)
        return data, False
    print(f"broker: signature valid (key {verified.kid})", file=out)
    return verified.payload, True


def _line(check: RegionCheck) -> str:
    if check.verified is None:
        return f"region {check.code}: {check.status}, no part (the report is incomplete)"
    if check.verified:
        return f"region {check.code}: signed by the region, unchanged ({check.signed_by})"
    return f"region {check.code}: FAILS: {check.reason}"


def run(args: argparse.Namespace, out: TextIO) -> int:
    try:
        data = args.file.read_bytes()
        report_json, broker_ok = _broker_check(args, data, out)
        verifier = AnswerVerifier.from_pem(args.ca.read_bytes())
        report: Any = json.loads(report_json) if report_json else None
        checks = check_regions(report, verifier)
    except (OSError, ValueError, NotAReport) as exc:
        print(f"error: {exc}", file=out)
        return 1
    for check in checks:
        print(_line(check), file=out)
    failed = [check.code for check in checks if check.verified is False]
    if not report.get("complete"):
        print("INCOMPLETE: not every region answered; this report is never a certificate", file=out)
    if failed or not broker_ok:
        print(f"FAILED: {', '.join(['broker'] * (not broker_ok) + [f'region {c}' for c in failed])}", file=out)
        return 1
    print("OK: every signature checked holds", file=out)
    return 0
