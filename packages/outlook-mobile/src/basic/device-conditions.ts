/**
 * The states of the phone and the app that decide whether Outlook counts as
 * active for the cloud service (seeds 000/001, "account inactivity"): the app
 * is uninstalled; background app refresh is off and the app was force-closed;
 * the device has no internet. A user who simply does not open the app (a
 * weekend, a holiday) stays active while background refresh works: push
 * notifications and background mail sync count as activity.
 */
export interface BasicDeviceConditions {
  installed: boolean;
  /** The device has internet connectivity. */
  online: boolean;
  /** Background app refresh is on (the default of Outlook for iOS and Android). */
  backgroundRefresh: boolean;
  /** The user swiped the app away; opening it again clears this. */
  forceClosed: boolean;
}

export const INITIAL_CONDITIONS: BasicDeviceConditions = {
  installed: true,
  online: true,
  backgroundRefresh: true,
  forceClosed: false,
};

/**
 * Whether the app still wakes up in the background to reach the service. The
 * seeds name "background refresh off *and* force-closed" as inactivity; the
 * lab reads that literally: either one alone keeps the app waking up.
 */
export function wakesInBackground(conditions: BasicDeviceConditions): boolean {
  return (
    conditions.installed &&
    conditions.online &&
    (conditions.backgroundRefresh || !conditions.forceClosed)
  );
}
