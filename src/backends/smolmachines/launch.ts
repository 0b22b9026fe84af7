/** smolmachines launch steps (issue 3 fills these in). */
import { UnavailableError } from "../../core/errors.ts";
import type { Step } from "../../plugins/types.ts";
import type { SmolmachinesPlan } from "./plan.ts";

export function smolvmLaunchSteps(_plan: SmolmachinesPlan): Step[] {
  throw new UnavailableError("E_NOT_BUILT", "launch is not built yet");
}
