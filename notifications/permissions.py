"""Who may see and change a platform's notification contacts: the platform's permissions.

Contacts are part of a platform's configuration: who configures the platform (operators)
manages them; every staff role that reads it (support staff, auditors) sees them and what was
sent to them (see accounts/roles.py).
"""

from platforms.permissions import CHANGE_PLATFORM, VIEW_PLATFORMS

VIEW_CONTACTS = VIEW_PLATFORMS
MANAGE_CONTACTS = CHANGE_PLATFORM
