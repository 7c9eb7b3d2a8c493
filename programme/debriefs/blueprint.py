"""The debriefs blueprint; its routes join it when the feature's view modules are imported."""

from flask import Blueprint

bp = Blueprint("debriefs", __name__)
