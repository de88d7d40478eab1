"""QLoRA mit dem Standard-Stack: transformers + peft + trl + bitsandbytes – ohne slmwiki.

Dasselbe Rezept wie `slmwiki finetune` in seinen Kernschritten: Basismodell in 4-Bit-NF4 mit Double
Quantization, LoRA-Adapter auf allen linearen Schichten, TRLs `SFTTrainer` mit Verlust nur auf den
Antworten. Es fehlen die Prüfungen, die Auswertung vorher/nachher, Checkpoint-Fortsetzung und das
Laufprotokoll.

Aufruf (GPU oder CPU; das Modell kommt vom Hugging Face Hub oder aus einem lokalen Ordner):

    python docs_src/5_praxis/qlora_standard_stack.py \
        --model HuggingFaceTB/SmolLM2-135M-Instruct \
        --train data/bank_routing_train.jsonl --output runs/standard-stack --max-steps 40
"""

from __future__ import annotations

import argparse

# --8<-- [start:imports]
import torch
from datasets import load_dataset
from peft import LoraConfig, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer

# --8<-- [end:imports]


def train(model_name: str, train_file: str, output_dir: str, max_steps: int = 40) -> SFTTrainer:
    """Trainiert einen QLoRA-Adapter und speichert ihn (nur die Adaptergewichte) in `output_dir`.

    Args:
        model_name: Hugging-Face-Kennung oder lokaler Modellordner.
        train_file: Chat-JSONL mit `messages` je Zeile.
        output_dir: Zielordner des Adapters.
        max_steps: Anzahl der Optimierungsschritte.

    Returns:
        Den Trainer nach dem Training (Verlustverlauf in `trainer.state.log_history`).
    """
    # --8<-- [start:model]
    cuda = torch.cuda.is_available()
    # bf16 auf GPUs, die es können (ab Ampere); fp16 auf älteren wie der T4; fp32 auf der CPU
    if cuda:
        compute_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    else:
        compute_dtype = torch.float32
    quantization = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",  # NormalFloat4; ohne diese Zeile nimmt bitsandbytes „fp4“
        bnb_4bit_use_double_quant=True,  # auch die Skalierungsfaktoren quantisieren
        bnb_4bit_compute_dtype=compute_dtype,
    )
    tokenizer = AutoTokenizer.from_pretrained(model_name)
    model = AutoModelForCausalLM.from_pretrained(
        model_name, quantization_config=quantization, dtype=compute_dtype
    )
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cuda)
    # --8<-- [end:model]

    # --8<-- [start:data]
    dataset = load_dataset("json", data_files=train_file, split="train")

    def to_prompt_completion(example: dict) -> dict:
        # alles vor der letzten Antwort ist der Prompt; TRL rechnet den Verlust nur auf der Completion
        return {"prompt": example["messages"][:-1], "completion": example["messages"][-1:]}

    dataset = dataset.map(to_prompt_completion, remove_columns=["messages"])
    # --8<-- [end:data]

    # --8<-- [start:lora]
    lora = LoraConfig(
        r=16,
        lora_alpha=32,  # Skalierung alpha / r = 2
        lora_dropout=0.0,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )
    # --8<-- [end:lora]

    # --8<-- [start:trainer]
    args = SFTConfig(
        output_dir=output_dir,
        max_steps=max_steps,
        per_device_train_batch_size=8,
        learning_rate=1e-3,  # kleines Modell, kurzer Lauf; für 1B+ eher 1e-4 bis 2e-4
        lr_scheduler_type="cosine",
        warmup_steps=0.1,  # Anteil der Schritte
        max_length=128,
        completion_only_loss=True,
        bf16=compute_dtype == torch.bfloat16,
        fp16=compute_dtype == torch.float16,
        gradient_checkpointing=cuda,
        use_cpu=not cuda,
        logging_steps=5,
        save_strategy="no",
        report_to="none",
        seed=42,
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=lora,  # TRL legt die LoRA-Adapter mit peft an
    )
    trainer.train()
    trainer.save_model(output_dir)  # speichert nur den Adapter (adapter_config.json + safetensors)
    tokenizer.save_pretrained(output_dir)
    # --8<-- [end:trainer]
    return trainer


def main(argv: list[str] | None = None) -> int:
    """Kommandozeile des Skripts."""
    parser = argparse.ArgumentParser(description="QLoRA mit transformers, peft, trl und bitsandbytes.")
    parser.add_argument("--model", default="HuggingFaceTB/SmolLM2-135M-Instruct")
    parser.add_argument("--train", default="data/bank_routing_train.jsonl")
    parser.add_argument("--output", default="runs/standard-stack")
    parser.add_argument("--max-steps", type=int, default=40)
    args = parser.parse_args(argv)
    train(args.model, args.train, args.output, args.max_steps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
