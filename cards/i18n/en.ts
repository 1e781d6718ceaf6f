/**
 * The English message catalog: the reference for every other locale. Its keys are the
 * `MessageKey` type, so a missing translation is a compile error in the other catalogs.
 * Placeholders are `{name}`; values are plain text (renderers escape and format them).
 * Command descriptions (`command.*`) are also the Teams manifest's command descriptions:
 * at most 128 characters.
 */
export const en = {
  'command.help': 'Show the commands you can use with your roles',
  'command.buy': 'Buy software subscriptions, perpetual software or Azure reservations for a customer',
  'command.orders': "List a customer's orders and their status",
  'command.keys': "Get activation keys and download links for a customer's purchased software",
  'command.cancel': 'Cancel a purchase within its cancellation window',
  'command.activity': 'See who accessed software keys or downloaded software (audit log)',
  'command.support': 'File a support request about a purchase or a refund',
  'command.roles': 'Manage who has which role in CSP Software Desk',
  'command.whoami': 'Show your name, organisation and roles',

  'arg.customer': 'customer',
  'arg.product': 'product',
  'arg.orderId': 'order id',
  'arg.from': 'from',
  'arg.to': 'to',
  'arg.name': 'name',

  'help.title': 'CSP Software Desk: help',
  'help.intro': 'These are the commands you can use. Select a button or type a command.',
  'help.comingSoon': 'Coming soon',
  'help.noCommands': 'No commands are available to you yet. Ask your Global admin to assign you a role.',

  'welcome.title': 'Welcome to CSP Software Desk!',
  'welcome.titleNamed': 'Welcome to CSP Software Desk, {name}!',
  'welcome.text':
    'I help you buy software subscriptions for your customers, get activation keys and download links, ' +
    'cancel purchases and see who accessed keys, right here in chat.',
  'welcome.next': 'Select Help to see what you can do.',

  'whoami.title': 'Your account',
  'whoami.name': 'Name',
  'whoami.partner': 'Organisation',
  'whoami.roles': 'Roles',
  'whoami.channel': 'Signed in via',
  'whoami.unknownName': '(unknown)',
  'whoami.noRoles': 'No roles assigned yet. Ask your Global admin to assign you one.',

  'channel.msteams': 'Microsoft Teams',
  'channel.slack': 'Slack',

  'role.admin_agent': 'Admin agent',
  'role.sales_agent': 'Sales agent',
  'role.helpdesk_agent': 'Helpdesk agent',
  'role.global_admin': 'Global admin',
  'role.account_admin': 'Account admin',
  'role.billing_admin': 'Billing admin',
  'role.referral_admin': 'Referral admin',
  'role.marketing_content_admin': 'Marketing content admin',

  'action.help': 'Help',
  'action.support': 'Request support',

  'notice.unknownCommand': "I don't know the command “{command}”. Here is what I can do:",
  'notice.partnerNotOnboarded':
    'Your organisation is not set up for CSP Software Desk yet. Please ask your administrator to onboard it ' +
    'and give them this organisation ID (Microsoft tenant ID or Slack team ID): {orgId}',
  'notice.forbidden':
    "You don't have permission to do this. Required role: {roles}. Ask your Global admin if you need access.",
  'notice.invalidSubmit': 'That button no longer works or the data was not valid. Nothing was changed.',
  'notice.messageTooLong': 'Your message is too long. Please keep it to {limit} characters or fewer.',
  'notice.comingSoon': '“{command}” is coming soon: it is not available yet in this version of CSP Software Desk.',
  'notice.error':
    'Sorry, something went wrong. Please try again. If it happens again, tell your administrator and quote this reference: {correlationId}',
  'notice.cancelled': 'Cancelled. Nothing was changed.',

  'roles.title': 'Users and roles',
  'roles.intro': 'Select a user to change their roles.',
  'roles.filtered': 'Users matching “{search}”',
  'roles.none': 'No users found. People appear here after they have written to the bot once.',
  'roles.noMatch': 'No user’s name matches “{search}”.',
  'roles.noRoles': 'No roles',
  'roles.page': 'Users {from}–{to} of {total}',
  'roles.change': 'Change roles',
  'roles.next': 'Next',
  'roles.previous': 'Previous',
  'roles.userTitle': 'Roles of {name}',
  'roles.current': 'Current roles',
  'roles.grant': 'Grant {role}',
  'roles.revoke': 'Revoke {role}',
  'roles.done': 'Done',
  'roles.confirmGrant': 'Grant the role {role} to {name}?',
  'roles.confirmRevoke': 'Revoke the role {role} from {name}?',
  'roles.confirm': 'Confirm',
  'roles.cancel': 'Cancel',
  'roles.granted': '{name} now has the role {roles}.',
  'roles.revoked': '{name} no longer has the role {roles}.',
  'roles.lastGlobalAdmin': 'You cannot remove the last Global admin of your organisation. Grant the role to someone else first.',
  'roles.userGone': 'That user is not in your organisation (any more). Nothing was changed.',
  'roles.youWereGranted': '{by} gave you the role {roles} in CSP Software Desk. Type {help} to see what you can do now.',
  'roles.youWereRevoked': '{by} removed your role {roles} in CSP Software Desk.',
  'roles.finished': 'Done. Type {roles} to manage roles again.',
} satisfies Record<string, string>;

export type MessageKey = keyof typeof en;
