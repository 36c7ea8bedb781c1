//! The authorizers (accounts that authorized the platform) and their authorizations: their rows, func_info, refresh plans.
