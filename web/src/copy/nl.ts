// Alle teksten van de app in het Nederlands (taalniveau B1: korte zinnen,
// gewone woorden, "u"). Eén bestand per taal; en.ts heeft dezelfde sleutels.

export const nl = {
  lang: "nl",
  appName: "kluis",
  tagline: "Uw plan, veilig op uw eigen apparaat",
  skipToContent: "Naar de inhoud",
  languageSwitch: "English",
  languageSwitchLabel: "Read this app in English",
  nav: {
    label: "Hoofdmenu",
    home: "Mijn huishouden",
    accessibility: "Toegankelijkheid",
    lock: "Vergrendelen",
  },
  footer: {
    accessibility: "Toegankelijkheidsverklaring",
    privacy: "Uw gegevens worden versleuteld op uw apparaat. De server kan uw plan niet lezen.",
  },
  errors: {
    title: "Er ging iets mis",
    network: "De server is niet bereikbaar. Controleer uw internet en probeer het opnieuw.",
    unknown: "Er ging iets mis. Probeer het later opnieuw.",
    fixBelow: "Verbeter de volgende punten:",
  },
  welcome: {
    title: "Welkom bij kluis",
    intro:
      "Met kluis houdt u uw plan bij, samen met uw wijkteam. U bepaalt zelf wie wat mag lezen. Uw sleutels blijven op dit apparaat.",
    noCode:
      "Deze link werkt niet. Vraag uw contactpersoon om een nieuwe uitnodiging.",
    name: "Uw naam",
    nameHint: "Zo ziet uw wijkteam wie u bent.",
    passphrase: "Kies een wachtzin",
    passphraseHint:
      "Minstens 12 tekens. Een paar woorden achter elkaar is goed te onthouden. Schrijf de wachtzin op een veilige plek op.",
    passphraseAgain: "Typ de wachtzin nog een keer",
    submit: "Account maken",
    working: "Uw sleutels worden gemaakt. Dit duurt een paar seconden.",
    needName: "Vul uw naam in.",
    shortPassphrase: "De wachtzin is te kort. Gebruik minstens 12 tekens.",
    notSame: "De twee wachtzinnen zijn niet hetzelfde.",
    inviteUsed: "Deze uitnodiging is al gebruikt. Vraag uw contactpersoon om een nieuwe.",
    inviteExpired: "Deze uitnodiging is verlopen. Vraag uw contactpersoon om een nieuwe.",
    inviteInvalid: "Deze uitnodiging klopt niet. Controleer de link of vraag een nieuwe.",
    done: "Uw account is klaar.",
  },
  unlock: {
    title: "Ontgrendel uw kluis",
    intro: "Vul uw wachtzin in. Daarmee opent u uw sleutels op dit apparaat.",
    passphrase: "Wachtzin",
    submit: "Ontgrendelen",
    working: "Uw sleutels worden geopend. Dit duurt een paar seconden.",
    wrong: "Deze wachtzin klopt niet. Probeer het opnieuw.",
    empty: "Vul uw wachtzin in.",
    noKeystore:
      "Op dit apparaat staan nog geen sleutels. Gebruik de link uit uw uitnodiging, of zet een sleutelbestand over.",
    importTitle: "Sleutelbestand overzetten",
    importIntro:
      "Heeft u al sleutels, bijvoorbeeld van de opdrachtregel of een ander apparaat? Kies dat bestand.",
    importFile: "Sleutelbestand",
    importSubmit: "Bestand overzetten",
    importBad: "Dit is geen sleutelbestand van kluis.",
    imported: "Het sleutelbestand staat nu op dit apparaat. Vul uw wachtzin in.",
    locked: "Uw kluis is vergrendeld omdat u 15 minuten niets deed.",
  },
  home: {
    title: "Mijn huishouden",
    signedInAs: (name: string) => `U bent ingelogd als ${name}.`,
    fingerprint: "Uw sleutelcode",
    fingerprintHint:
      "Lees deze code voor als iemand uw code wil controleren. Zo weet u zeker dat u elkaar de goede sleutels geeft.",
    households: "Uw huishoudens",
    none: "U heeft nog geen huishouden.",
    create: "Huishouden starten",
    created: "Uw huishouden is gemaakt. Alleen de leden kunnen het plan openen.",
    open: "Plan openen",
    downloadKeystore: "Sleutelbestand downloaden",
    downloadHint:
      "Bewaar dit bestand op een veilige plek. Met het bestand en uw wachtzin kunt u op een ander apparaat verder.",
  },
  accessibility: {
    title: "Toegankelijkheidsverklaring",
    body: [
      "Wij willen dat iedereen kluis kan gebruiken. De app volgt de richtlijnen WCAG 2.1 op niveau AA.",
      "U kunt alles met het toetsenbord doen. De app werkt op een telefoon en als u de tekst twee keer zo groot maakt.",
      "Elke versie van de app wordt automatisch getest met axe-core, op een groot scherm en op een smal scherm.",
      "Werkt iets niet goed voor u? Zeg het tegen uw contactpersoon bij het wijkteam. Wij lossen het zo snel mogelijk op.",
    ],
  },
};

export type Copy = typeof nl;
