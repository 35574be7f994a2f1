/* The BPF object, embedded so the binary is self-contained. */
	.section .rodata
	.balign 8
	.global plugland_bpf_obj
plugland_bpf_obj:
	.incbin BPF_OBJ_PATH
	.global plugland_bpf_obj_end
plugland_bpf_obj_end:
	.section .note.GNU-stack,"",@progbits
