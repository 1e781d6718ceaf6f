/**
 * The German message catalog ("Sie" form). Typed against the English keys: a missing or
 * an extra key is a compile error.
 */
import type { MessageKey } from './en.js';

export const de: { readonly [K in MessageKey]: string } = {
  'command.help': 'Befehle anzeigen, die Sie mit Ihren Rollen verwenden können',
  'command.buy': 'Softwareabonnements, unbefristete Software oder Azure-Reservierungen für einen Kunden kaufen',
  'command.orders': 'Bestellungen eines Kunden und deren Status anzeigen',
  'command.keys': 'Aktivierungsschlüssel und Downloadlinks für die gekaufte Software eines Kunden abrufen',
  'command.cancel': 'Einen Kauf innerhalb der Stornierungsfrist stornieren',
  'command.activity': 'Anzeigen, wer auf Softwareschlüssel zugegriffen oder Software heruntergeladen hat (Protokoll)',
  'command.support': 'Eine Supportanfrage zu einem Kauf oder einer Rückerstattung stellen',
  'command.roles': 'Verwalten, wer welche Rolle in CSP Software Desk hat',
  'command.whoami': 'Ihren Namen, Ihre Organisation und Ihre Rollen anzeigen',

  'arg.customer': 'Kunde',
  'arg.product': 'Produkt',
  'arg.orderId': 'Bestell-ID',
  'arg.from': 'von',
  'arg.to': 'bis',
  'arg.name': 'Name',

  'help.title': 'CSP Software Desk: Hilfe',
  'help.intro': 'Diese Befehle stehen Ihnen zur Verfügung. Wählen Sie eine Schaltfläche oder geben Sie einen Befehl ein.',
  'help.comingSoon': 'Bald verfügbar',
  'help.noCommands':
    'Für Sie sind noch keine Befehle verfügbar. Bitten Sie Ihren globalen Administrator, Ihnen eine Rolle zuzuweisen.',

  'welcome.title': 'Willkommen bei CSP Software Desk!',
  'welcome.titleNamed': 'Willkommen bei CSP Software Desk, {name}!',
  'welcome.text':
    'Ich helfe Ihnen, Softwareabonnements für Ihre Kunden zu kaufen, Aktivierungsschlüssel und Downloadlinks abzurufen, ' +
    'Käufe zu stornieren und nachzuvollziehen, wer auf Schlüssel zugegriffen hat – direkt hier im Chat.',
  'welcome.next': 'Wählen Sie „Hilfe“, um zu sehen, was Sie tun können.',

  'whoami.title': 'Ihr Konto',
  'whoami.name': 'Name',
  'whoami.partner': 'Organisation',
  'whoami.roles': 'Rollen',
  'whoami.channel': 'Angemeldet über',
  'whoami.unknownName': '(unbekannt)',
  'whoami.noRoles': 'Noch keine Rollen zugewiesen. Bitten Sie Ihren globalen Administrator, Ihnen eine Rolle zuzuweisen.',

  'channel.msteams': 'Microsoft Teams',
  'channel.slack': 'Slack',

  'role.admin_agent': 'Administrator-Agent',
  'role.sales_agent': 'Vertriebs-Agent',
  'role.helpdesk_agent': 'Helpdesk-Agent',
  'role.global_admin': 'Globaler Administrator',
  'role.account_admin': 'Kontoadministrator',
  'role.billing_admin': 'Abrechnungsadministrator',
  'role.referral_admin': 'Empfehlungsadministrator',
  'role.marketing_content_admin': 'Administrator für Marketinginhalte',

  'action.help': 'Hilfe',
  'action.support': 'Supportanfrage stellen',

  'notice.unknownCommand': 'Den Befehl „{command}“ kenne ich nicht. Das kann ich für Sie tun:',
  'notice.partnerNotOnboarded':
    'Ihre Organisation ist noch nicht für CSP Software Desk eingerichtet. Bitten Sie Ihren Administrator, sie einzurichten, ' +
    'und nennen Sie ihm diese Organisations-ID (Microsoft-Mandanten-ID oder Slack-Team-ID): {orgId}',
  'notice.forbidden':
    'Sie haben dafür keine Berechtigung. Erforderliche Rolle: {roles}. Wenden Sie sich an Ihren globalen Administrator, wenn Sie Zugriff benötigen.',
  'notice.invalidSubmit':
    'Diese Schaltfläche funktioniert nicht mehr oder die Daten waren ungültig. Es wurde nichts geändert.',
  'notice.messageTooLong': 'Ihre Nachricht ist zu lang. Bitte beschränken Sie sie auf höchstens {limit} Zeichen.',
  'notice.comingSoon': '„{command}“ kommt bald: In dieser Version von CSP Software Desk ist die Funktion noch nicht verfügbar.',
  'notice.error':
    'Leider ist ein Fehler aufgetreten. Bitte versuchen Sie es erneut. Wenn der Fehler erneut auftritt, wenden Sie sich an ' +
    'Ihren Administrator und geben Sie diese Referenz an: {correlationId}',
  'notice.cancelled': 'Abgebrochen. Es wurde nichts geändert.',

  'roles.title': 'Benutzer und Rollen',
  'roles.intro': 'Wählen Sie einen Benutzer, um seine Rollen zu ändern.',
  'roles.filtered': 'Benutzer, die zu „{search}“ passen',
  'roles.none': 'Keine Benutzer gefunden. Personen erscheinen hier, nachdem sie dem Bot einmal geschrieben haben.',
  'roles.noMatch': 'Kein Benutzername passt zu „{search}“.',
  'roles.noRoles': 'Keine Rollen',
  'roles.page': 'Benutzer {from}–{to} von {total}',
  'roles.change': 'Rollen ändern',
  'roles.next': 'Weiter',
  'roles.previous': 'Zurück',
  'roles.userTitle': 'Rollen von {name}',
  'roles.current': 'Aktuelle Rollen',
  'roles.grant': '{role} zuweisen',
  'roles.revoke': '{role} entziehen',
  'roles.done': 'Fertig',
  'roles.confirmGrant': 'Die Rolle {role} an {name} zuweisen?',
  'roles.confirmRevoke': 'Die Rolle {role} von {name} entziehen?',
  'roles.confirm': 'Bestätigen',
  'roles.cancel': 'Abbrechen',
  'roles.granted': '{name} hat jetzt die Rolle {roles}.',
  'roles.revoked': '{name} hat die Rolle {roles} nicht mehr.',
  'roles.lastGlobalAdmin': 'Sie können den letzten globalen Administrator Ihrer Organisation nicht entfernen. Weisen Sie die Rolle zuerst jemand anderem zu.',
  'roles.userGone': 'Dieser Benutzer gehört (nicht mehr) zu Ihrer Organisation. Es wurde nichts geändert.',
  'roles.youWereGranted': '{by} hat Ihnen in CSP Software Desk die Rolle {roles} zugewiesen. Geben Sie {help} ein, um zu sehen, was Sie jetzt tun können.',
  'roles.youWereRevoked': '{by} hat Ihnen in CSP Software Desk die Rolle {roles} entzogen.',
  'roles.finished': 'Fertig. Geben Sie {roles} ein, um Rollen erneut zu verwalten.',
};
