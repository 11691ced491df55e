"""The pages of memberships, agreements, voucher programmes and communities (URL namespace `agreements`)."""
