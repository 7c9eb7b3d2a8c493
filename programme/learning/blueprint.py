"""The learning blueprint; its routes join it when the feature's view modules are imported."""

from flask import Blueprint

bp = Blueprint("learning", __name__)
