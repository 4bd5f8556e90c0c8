"""Permissions of platform configuration, as the code checks them (see accounts/roles.py)."""

VIEW_LOCATIONS = "platforms.view_location"
ADD_LOCATION = "platforms.add_location"
VIEW_PLATFORMS = "platforms.view_platforminstance"
ADD_PLATFORM = "platforms.add_platforminstance"
CHANGE_PLATFORM = "platforms.change_platforminstance"
DELETE_PLATFORM = "platforms.delete_platforminstance"
