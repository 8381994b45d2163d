"""The clinician blueprint object, on its own so route modules never import their package (no cycle)."""
from flask import Blueprint

bp = Blueprint("clinician", "web.clinician")
