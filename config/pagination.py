"""The API's pages, in a module of their own: REST framework imports its default pagination
class while it defines its generic views, so this module imports nothing that imports them."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """Every list's pages: `?limit=` is capped, so that a huge one gets the largest page
    instead of a database error."""

    max_limit = 1000
