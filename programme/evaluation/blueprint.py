"""The evaluation blueprint; its routes join it when the feature's view modules are imported."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__)
