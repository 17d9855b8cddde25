/** The `device_info` model: device, VRAM and versions of the box that serves the models. */
import type { Inference } from "@gpu-bridge/kserve/inference";
import { DEVICE_INFO_TENSORS } from "@gpu-bridge/contract/model-contract";
import { bigints, strings } from "./tensors.js";

export interface DeviceInfo {
  device: "cuda" | "cpu";
  deviceName: string;
  vramTotalMb: number | null;
  vramUsedMb: number | null;
  torchVersion: string;
  cudaVersion: string | null;
  runtime: string;
}

export async function readDeviceInfo(client: Inference, model: string): Promise<DeviceInfo> {
  const t = DEVICE_INFO_TENSORS;
  const outputs = await client.infer(model, [], {
    outputs: [t.device, t.deviceName, t.vramTotalMb, t.vramUsedMb, t.torchVersion, t.cudaVersion, t.runtime],
    binary: false,
  });
  const text = (name: string) => strings(outputs, name, 1)[0] ?? "";
  const mb = (name: string) => {
    const value = bigints(outputs, name, 1)[0] ?? -1;
    return value < 0 ? null : value;
  };
  return {
    device: text(t.device).startsWith("cuda") ? "cuda" : "cpu",
    deviceName: text(t.deviceName),
    vramTotalMb: mb(t.vramTotalMb),
    vramUsedMb: mb(t.vramUsedMb),
    torchVersion: text(t.torchVersion),
    cudaVersion: text(t.cudaVersion) || null,
    runtime: text(t.runtime),
  };
}
