"""The further-support blueprint; its routes join it when the feature's view modules are imported."""

from flask import Blueprint

bp = Blueprint("support", __name__)
