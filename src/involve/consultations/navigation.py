"""The consultations area's entries in the header navigation (collected by involve.site.navigation)."""

NAVIGATION = []
