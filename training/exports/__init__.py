"""Credentials out: a certificate or path award as a European Learning Model (ELM 3) credential in
the European Digital Credentials (EDC) shape (unsealed JSON-LD), the Open Badges 3.0 credential as an
"add to wallet" file, and the verification link as a LinkedIn "add to profile" certification."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from training.exports.api import bp as api_bp
    from training.exports.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
