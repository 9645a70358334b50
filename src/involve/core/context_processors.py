def involve(request):
    access = getattr(request, "access", None)
    return {
        # str() makes django-csp generate the nonce and put it in the header.
        "cspNonce": str(getattr(request, "csp_nonce", "")),
        "assetPath": "/static/vendor/nhsuk/assets",
        "access": access,
    }
