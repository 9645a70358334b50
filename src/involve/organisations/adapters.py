from allauth.account.adapter import DefaultAccountAdapter


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs themselves up: an organisation's administrator invites them."""

    def is_open_for_signup(self, request):
        return False
