"""The people blueprint: leads' pages for adding and changing people, and the public set-password page."""

from flask import Blueprint

bp = Blueprint("people", __name__)
