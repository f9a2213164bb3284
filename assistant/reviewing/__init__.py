"""Reviewing a report: the deterministic checks, the model's critique, and the result they make."""

from assistant.reviewing.pipeline import review, review_async, review_document
from assistant.reviewing.result import DocumentInfo, Review, SectionInfo, describe

__all__ = ["DocumentInfo", "Review", "SectionInfo", "describe", "review", "review_async", "review_document"]
