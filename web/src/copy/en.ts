// All of the app's text in English. Same keys as nl.ts (the type checks it).
import type { Copy } from "./nl";

export const en: Copy = {
  lang: "en",
  appName: "kluis",
  tagline: "Your plan, safe on your own device",
  skipToContent: "Skip to content",
  languageSwitch: "Nederlands",
  languageSwitchLabel: "Lees deze app in het Nederlands",
  nav: {
    label: "Main menu",
    home: "My household",
    accessibility: "Accessibility",
    lock: "Lock",
  },
  footer: {
    accessibility: "Accessibility statement",
    privacy: "Your data is encrypted on your device. The server cannot read your plan.",
  },
  errors: {
    title: "Something went wrong",
    network: "The server cannot be reached. Check your internet connection and try again.",
    unknown: "Something went wrong. Please try again later.",
    fixBelow: "Please fix the following:",
  },
  welcome: {
    title: "Welcome to kluis",
    intro:
      "With kluis you keep your plan together with your neighbourhood team. You decide who may read what. Your keys stay on this device.",
    noCode: "This link does not work. Ask your contact person for a new invitation.",
    name: "Your name",
    nameHint: "This is how your team sees who you are.",
    passphrase: "Choose a passphrase",
    passphraseHint:
      "At least 12 characters. A few words in a row are easy to remember. Write it down somewhere safe.",
    passphraseAgain: "Type the passphrase again",
    submit: "Create account",
    working: "Your keys are being made. This takes a few seconds.",
    needName: "Fill in your name.",
    shortPassphrase: "The passphrase is too short. Use at least 12 characters.",
    notSame: "The two passphrases are not the same.",
    inviteUsed: "This invitation was used already. Ask your contact person for a new one.",
    inviteExpired: "This invitation has expired. Ask your contact person for a new one.",
    inviteInvalid: "This invitation is not valid. Check the link or ask for a new one.",
    done: "Your account is ready.",
  },
  unlock: {
    title: "Unlock your kluis",
    intro: "Fill in your passphrase. It opens your keys on this device.",
    passphrase: "Passphrase",
    submit: "Unlock",
    working: "Your keys are being opened. This takes a few seconds.",
    wrong: "This passphrase is not right. Please try again.",
    empty: "Fill in your passphrase.",
    noKeystore:
      "There are no keys on this device yet. Use the link from your invitation, or bring over a key file.",
    importTitle: "Bring over a key file",
    importIntro:
      "Do you have keys already, for example from the command line or another device? Choose that file.",
    importFile: "Key file",
    importSubmit: "Bring over the file",
    importBad: "This is not a kluis key file.",
    imported: "The key file is on this device now. Fill in your passphrase.",
    locked: "Your kluis was locked because you did nothing for 15 minutes.",
  },
  home: {
    title: "My household",
    signedInAs: (name: string) => `You are signed in as ${name}.`,
    fingerprint: "Your key code",
    fingerprintHint:
      "Read this code out when someone wants to check it. That way you both know you exchange the right keys.",
    households: "Your households",
    none: "You have no household yet.",
    create: "Start a household",
    created: "Your household was made. Only its members can open the plan.",
    open: "Open plan",
    downloadKeystore: "Download key file",
    downloadHint:
      "Keep this file somewhere safe. With the file and your passphrase you can continue on another device.",
  },
  accessibility: {
    title: "Accessibility statement",
    body: [
      "We want everyone to be able to use kluis. The app follows WCAG 2.1 at level AA.",
      "You can do everything with the keyboard. The app works on a phone and with text at twice the size.",
      "Every version of the app is tested automatically with axe-core, on a wide and on a narrow screen.",
      "Does something not work well for you? Tell your contact person at the neighbourhood team. We will fix it as soon as we can.",
    ],
  },
};
