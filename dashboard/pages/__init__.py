"""Dash pages: one page, one module; thin callbacks over metrics and figure builders."""
